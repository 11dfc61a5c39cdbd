import type { FieldValue, Point } from './point.ts';

/** InfluxDB line protocol escaping: measurement (commas, spaces), tag keys/values and field keys (also `=`). */
const escapeMeasurement = (s: string): string => s.replace(/[, ]/g, '\\$&');
const escapeKey = (s: string): string => s.replace(/[,= ]/g, '\\$&');

const formatField = (f: FieldValue): string => (f.type === 'integer' ? `${f.value}i` : String(f.value));

/** One line of line protocol at millisecond precision (write with `precision=ms`). */
export const toLineProtocol = (p: Point): string => {
  const tags = Object.keys(p.tags)
    .sort()
    .map((k) => `,${escapeKey(k)}=${escapeKey(p.tags[k]!)}`)
    .join('');
  const fields = Object.entries(p.fields)
    .map(([k, f]) => `${escapeKey(k)}=${formatField(f)}`)
    .join(',');
  return `${escapeMeasurement(p.measurement)}${tags} ${fields} ${p.time}`;
};
