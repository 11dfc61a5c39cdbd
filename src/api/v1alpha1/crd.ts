import { GROUP, KIND, PLURAL, SHORT_NAMES, SINGULAR, VERSION } from './cryptostream.ts';
import { rootSchema } from './schema.ts';

const readyColumn = '.status.conditions[?(@.type=="Ready")]';

/** The CustomResourceDefinition of CryptoStream; `crds/` and the chart's `crds/` hold it as YAML. */
export const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${PLURAL}.${GROUP}` },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: {
      kind: KIND,
      listKind: `${KIND}List`,
      plural: PLURAL,
      singular: SINGULAR,
      shortNames: [...SHORT_NAMES],
    },
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Symbols', type: 'string', jsonPath: '.spec.symbols', description: 'Binance symbols' },
          { name: 'Intervals', type: 'string', jsonPath: '.spec.intervals', description: 'Kline intervals' },
          {
            name: 'Ready',
            type: 'string',
            jsonPath: `${readyColumn}.status`,
            description: 'Whole pipeline ready',
          },
          {
            name: 'Reason',
            type: 'string',
            jsonPath: `${readyColumn}.reason`,
            priority: 1,
            description: 'Why (not) ready',
          },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
        schema: { openAPIV3Schema: rootSchema },
      },
    ],
  },
} as const;
