import type { FieldValue, Point } from './point.ts';

/*
 * InfluxDB line protocol. The consumer writes two lines per candle, so this is its hottest code: the
 * scans below are plain loops over char codes (a regex `replace` per key was a third of the batch step),
 * and a series' measurement and tag set are escaped once per batch (`seriesKey`), not once per line.
 */

/** Whether `s` holds a space, a comma or (when `equals`) an equals sign: the characters to escape. */
const needsEscape = (s: string, equals: boolean): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 44 || (equals && c === 61)) return true;
  }
  return false;
};

/** Measurement: commas and spaces escaped. */
export const escapeMeasurement = (s: string): string =>
  needsEscape(s, false) ? s.replace(/[, ]/g, '\\$&') : s;

/** Tag keys, tag values and field keys: commas, equals signs and spaces escaped. */
export const escapeKey = (s: string): string => (needsEscape(s, true) ? s.replace(/[,= ]/g, '\\$&') : s);

/**
 * The shortest text that reads back as the same float64 (`String(x)`), so InfluxDB stores exactly the
 * number the core computed.
 */
export const floatText = (x: number): string => String(x);

/**
 * Where `String(Number(d))` of a canonical 8-place decimal ("63010.50000000" → "63010.5") ends in `d`
 * itself: the decimal with its trailing zeros dropped, without the float round trip; -1 when it is not
 * a prefix of `d`. Exact because a decimal of at most 15 significant digits is the shortest text of its
 * nearest float64 (two such decimals never share a float), and JavaScript writes values in [1e-6, 1e21)
 * without an exponent. Other shapes, longer decimals and values below 1e-6 give -1.
 */
export const decimalEnd = (d: string): number => {
  const dot = d.length - 9;
  if (dot < 1 || d.charCodeAt(dot) !== 46) return -1;
  let end = d.length;
  while (end > dot + 1 && d.charCodeAt(end - 1) === 48) end--;
  const fraction = end - dot - 1;
  if (dot === 1 && d.charCodeAt(0) === 48) {
    if (fraction === 0) return 1; // "0"
    let zeros = 0;
    while (d.charCodeAt(dot + 1 + zeros) === 48) zeros++;
    // Below 1e-6 JavaScript switches to exponent notation.
    if (zeros >= 6) return -1;
  } else if (d.charCodeAt(0) === 48 || dot + fraction > 15) return -1;
  for (let i = 0; i < end; i++) {
    const c = d.charCodeAt(i);
    if (i !== dot && (c < 48 || c > 57)) return -1;
  }
  return fraction === 0 ? dot : end;
};

/** `String(Number(d))` of a decimal: its `decimalEnd` prefix when it has one. */
export const decimalText = (d: string): string => {
  const end = decimalEnd(d);
  return end < 0 ? String(Number(d)) : d.slice(0, end);
};

const NEWLINE = /\n/;

/**
 * The line as one flat string, same text. A line built by `+=` and templates is, in V8, a tree of a few
 * dozen small strings (cons strings) until something reads it whole, and a caller that holds many lines
 * until it joins them into request bodies (the consumer did, a batch's ~7,000; it now writes them as bytes,
 * see lineBodies.ts) holds trees of ~4× the memory and tens of objects each for every scavenge to copy.
 * A regular expression reads its subject flat, so V8 flattens the tree in place (its leaves die at once;
 * measured: 100,000 enriched lines 193 → 49 MB of heap, built in 0.6 → 0.35 s). The test itself costs a
 * scan, and a line never holds a newline.
 */
export const flat = (line: string): string => {
  NEWLINE.test(line);
  return line;
};

const formatField = (f: FieldValue): string => (f.type === 'integer' ? `${f.value}i` : floatText(f.value));

/** The start of every line of one series: the measurement and its tags, sorted by key, escaped. */
export const seriesKey = (measurement: string, tags: Readonly<Record<string, string>>): string => {
  let key = escapeMeasurement(measurement);
  for (const k of Object.keys(tags).sort()) key += `,${escapeKey(k)}=${escapeKey(tags[k]!)}`;
  return key;
};

/** One line of line protocol at millisecond precision (write with `precision=ms`). */
export const toLineProtocol = (p: Point): string => {
  let fields = '';
  for (const k of Object.keys(p.fields))
    fields += `${fields === '' ? '' : ','}${escapeKey(k)}=${formatField(p.fields[k]!)}`;
  return `${seriesKey(p.measurement, p.tags)} ${fields} ${p.time}`;
};
