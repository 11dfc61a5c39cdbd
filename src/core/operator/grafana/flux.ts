import { BUCKET_ENRICHED } from '../names.ts';

/**
 * Flux over the enriched candles of one market (measurement `kline`, tags coin/interval/type; see
 * src/core/points), for the alert rules. The dashboards' Flux is in dashboards/queries.ts.
 */
export const enrichedCandles = (symbol: string, interval: string, range: string): string =>
  [
    `from(bucket: "${BUCKET_ENRICHED}")`,
    `  |> range(${range})`,
    `  |> filter(fn: (r) => r._measurement == "kline" and r.type == "enriched" and r.coin == "${symbol}" and r.interval == "${interval}")`,
  ].join('\n');

/** The uid of the provisioned InfluxDB datasource, referenced by dashboards and alert rules. */
export const DATASOURCE_UID = 'influxdb';

/** FNV-1a (32 bit) as 8 hex digits: a stable short id (Grafana uids are at most 40 characters). */
export const shortHash = (s: string): string => {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
};
