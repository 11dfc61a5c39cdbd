import { CATEGORIES, GROUP, KIND, PLURAL, SHORT_NAMES, SINGULAR, VERSION } from './cryptostream.ts';
import { rootSchema } from './schema.ts';

const conditionColumn = (type: string) => `.status.conditions[?(@.type=="${type}")]`;
const readyColumn = conditionColumn('Ready');

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
      categories: [...CATEGORIES],
    },
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          // A column's JSONPath prints a list as JSON (["BTCUSDC","ETHUSDC"]): the operator writes them joined.
          {
            name: 'Symbols',
            type: 'string',
            jsonPath: '.status.symbols',
            description: 'Binance symbols, comma-separated (the first 4 and a count of the others)',
          },
          {
            name: 'Intervals',
            type: 'string',
            jsonPath: '.status.intervals',
            description: 'Kline intervals, comma-separated',
          },
          {
            name: 'Ready',
            type: 'string',
            jsonPath: `${readyColumn}.status`,
            description: 'The data path (Kafka, InfluxDB, producer, consumers) is ready',
          },
          {
            name: 'Reason',
            type: 'string',
            jsonPath: `${readyColumn}.reason`,
            priority: 1,
            description: 'Why (not) ready',
          },
          {
            name: 'Grafana',
            type: 'string',
            jsonPath: `${conditionColumn('Grafana')}.reason`,
            priority: 1,
            description: 'Grafana, which Ready does not wait for: Ready, Disabled or why not',
          },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
        schema: { openAPIV3Schema: rootSchema },
      },
    ],
  },
} as const;
