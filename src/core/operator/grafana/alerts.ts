import type { Alert, CryptoStream } from '../../../api/v1alpha1/cryptostream.ts';
import { intervalMs } from '../../kline/interval.ts';
import { DATASOURCE_UID, enrichedCandles, shortHash } from './flux.ts';

/** close and volume are candle fields; indicators are matched by prefix (rsi_14, volatility_20, ...). */
const fieldFilter = (field: Alert['field']): string =>
  field === 'close' || field === 'volume' ? `r._field == "${field}"` : `r._field =~ /^${field}/`;

const evaluator = (a: Alert): { type: string; params: number[] } => {
  if (a.above !== undefined && a.below !== undefined)
    return { type: 'outside_range', params: [a.below, a.above] };
  if (a.above !== undefined) return { type: 'gt', params: [a.above] };
  return { type: 'lt', params: [a.below ?? 0] };
};

const rule = (cr: CryptoStream, a: Alert) => {
  const interval = a.interval ?? cr.spec.intervals[0]!;
  const lookback = Math.max(3600, (3 * intervalMs[interval]) / 1000);
  const query = `${enrichedCandles(a.symbol, interval, `start: -${lookback}s`)}\n  |> filter(fn: (r) => ${fieldFilter(a.field)})\n  |> last()`;
  return {
    uid: `cs-${shortHash(`${cr.metadata.namespace}/${cr.metadata.name}/${a.name}`)}`,
    title: `${cr.metadata.name} ${a.name}`,
    condition: 'C',
    data: [
      {
        refId: 'A',
        relativeTimeRange: { from: lookback, to: 0 },
        datasourceUid: DATASOURCE_UID,
        model: { refId: 'A', query },
      },
      {
        refId: 'B',
        datasourceUid: '__expr__',
        model: { refId: 'B', type: 'reduce', expression: 'A', reducer: 'last' },
      },
      {
        refId: 'C',
        datasourceUid: '__expr__',
        model: { refId: 'C', type: 'threshold', expression: 'B', conditions: [{ evaluator: evaluator(a) }] },
      },
    ],
    noDataState: 'NoData',
    execErrState: 'Error',
    for: '0s',
    labels: { stream: cr.metadata.name, symbol: a.symbol, interval },
    annotations: {
      summary: `${a.symbol} ${interval} ${a.field}${a.above === undefined ? '' : ` above ${a.above}`}${a.below === undefined ? '' : ` below ${a.below}`}`,
    },
  };
};

/** Grafana alerting file provisioning: one rule group holding every threshold alert of the stream. */
export const alertRules = (cr: CryptoStream) => ({
  apiVersion: 1,
  groups:
    cr.spec.alerts.length === 0
      ? []
      : [
          {
            orgId: 1,
            name: `${cr.metadata.name}-thresholds`,
            folder: 'CryptoStream',
            interval: '1m',
            rules: cr.spec.alerts.map((a) => rule(cr, a)),
          },
        ],
});
