import { stringify } from 'yaml';
import { crd } from './crd.ts';

/** Where the generated CRD lives (relative to the repository root). */
export const crdPaths = [
  'crds/cryptostream.io_cryptostreams.yaml',
  'charts/cryptostream/crds/cryptostream.io_cryptostreams.yaml',
];

const header = '# Generated from src/api/v1alpha1/schema.ts by `npm run gen:crd`. Do not edit.\n';

export const crdYaml = (): string => header + stringify(crd, { lineWidth: 0, aliasDuplicateObjects: false });
