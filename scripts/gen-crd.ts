// Writes the CryptoStream CRD YAML (generated from src/api/v1alpha1/schema.ts) to crds/ and the chart's crds/.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crdPaths, crdYaml } from '../src/api/v1alpha1/crdYaml.ts';

const root = join(import.meta.dirname, '..');
for (const path of crdPaths) writeFileSync(join(root, path), crdYaml());
process.stdout.write(`wrote ${crdPaths.join(', ')}\n`);
