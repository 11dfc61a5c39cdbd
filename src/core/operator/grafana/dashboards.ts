import type { CryptoStream } from '../../../api/v1alpha1/cryptostream.ts';
import { CANDLE_FIELDS, DASHBOARD_RANGE, DATASOURCE_UID, enrichedCandles, shortHash } from './flux.ts';

const datasource = { type: 'influxdb', uid: DATASOURCE_UID };

const variable = (name: string, label: string, values: readonly string[]) => ({
  name,
  label,
  type: 'custom',
  query: values.join(','),
  current: { text: values[0] ?? '', value: values[0] ?? '' },
  options: values.map((v, i) => ({ text: v, value: v, selected: i === 0 })),
  multi: false,
  includeAll: false,
});

const candles = enrichedCandles('${symbol}', '${interval}', DASHBOARD_RANGE);
const notCandleField = CANDLE_FIELDS.map((f) => `r._field != "${f}"`).join(' and ');

const panel = (
  id: number,
  title: string,
  type: string,
  y: number,
  h: number,
  query: string,
  options: object = {},
) => ({
  id,
  title,
  type,
  datasource,
  gridPos: { x: 0, y, w: 24, h },
  targets: [{ refId: 'A', datasource, query }],
  options,
});

/** The candle dashboard: OHLC + volume, then every indicator of the chosen symbol and interval. */
export const candleDashboard = (cr: CryptoStream) => ({
  uid: `cs-${shortHash(`${cr.metadata.namespace}/${cr.metadata.name}`)}-candles`,
  title: `CryptoStream ${cr.metadata.name}: candles`,
  tags: ['cryptostream'],
  timezone: 'utc',
  schemaVersion: 41,
  refresh: '30s',
  time: { from: 'now-6h', to: 'now' },
  templating: {
    list: [
      variable('symbol', 'Symbol', cr.spec.symbols),
      variable('interval', 'Interval', cr.spec.intervals),
    ],
  },
  panels: [
    panel(
      1,
      '${symbol} ${interval}',
      'candlestick',
      0,
      12,
      `${candles}\n  |> filter(fn: (r) => contains(value: r._field, set: ${JSON.stringify(CANDLE_FIELDS)}))\n  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")\n  |> keep(columns: ["_time", ${CANDLE_FIELDS.map((f) => `"${f}"`).join(', ')}])`,
      {
        mode: 'candles+volume',
        candleStyle: 'candles',
        colorStrategy: 'open-close',
        includeAllFields: false,
      },
    ),
    panel(
      2,
      'Indicators',
      'timeseries',
      12,
      10,
      `${candles}\n  |> filter(fn: (r) => ${notCandleField} and r._field != "trades")`,
    ),
  ],
});

export const dashboards = (cr: CryptoStream) => [candleDashboard(cr)];
