import { decimalEnd } from './lineProtocol.ts';

/*
 * Line protocol written straight into the bytes of its write requests. A line built as a string is, in
 * V8, a tree of small strings (a number's text, a field's name, a comma…) flattened into one string, and
 * the lines are then joined into a request body: two copies, and about 3 KB of short-lived objects per
 * candle for the consumer's raw and enriched lines, which made its scavenges two and a half times as
 * frequent as those of a consumer that only writes precomputed lines (see docs/benchmarks.md). Written as
 * bytes, a candle's lines leave only the text of its indicator values behind (one string per enriched
 * line, encoded natively: `NATIVE_FROM`), and the body is ready to send as it is.
 */

/** Lines per write request: InfluxDB's recommended batch size. */
export const LINES_PER_BODY = 5000;

/** A batch's lines as the bodies of its write requests: at most `LINES_PER_BODY` lines each, newline-separated. */
export type Bodies = { readonly bodies: readonly Uint8Array[]; readonly lines: number };

export const NO_BODIES: Bodies = { bodies: [], lines: 0 };

/** Writes the lines of one kind of points (one bucket) into request bodies, in order. */
export type LineWriter = {
  /** Text as it is, UTF-8 encoded. */
  readonly text: (s: string) => void;
  /** Bytes `from` … `to` of `src` (text encoded before: `utf8Of`). */
  readonly bytes: (src: Uint8Array, from?: number, to?: number) => void;
  /** Where the next byte goes in the line being written (for `copyTo`). */
  readonly mark: () => number;
  /** Writes into `target` the bytes of the current line from `mark` on. */
  readonly copyTo: (target: LineWriter, mark: number) => void;
  /** A canonical decimal as `decimalText` writes it. */
  readonly decimal: (d: string) => void;
  /** A number that is a safe integer, in decimal digits (its text). */
  readonly integer: (n: number) => void;
  /** Ends the current line. */
  readonly endLine: () => void;
  /** The bodies of every line ended (a line not ended is left out). */
  readonly bodies: () => Bodies;
};

const NEWLINE = 10;

/**
 * From this length on, text is encoded by TextEncoder's `encodeInto` (native) rather than by the loop
 * over its char codes: the call costs about as much as the loop over a few dozen characters, and far
 * less over the hundreds of an enriched line's indicators (writing a candle's indicator values as one text
 * instead of one text per value took the line writing from 11.1 to 5.9 ms per 1,000 candles in the
 * batch-step model: docs/benchmarks.md).
 */
const NATIVE_FROM = 64;

const encoder = new TextEncoder();

/**
 * A `LineWriter` whose first body has room for `expectedBytes` (it grows as needed: a body's bytes are
 * copied once per doubling).
 */
export const lineWriter = (expectedBytes = 1 << 16, linesPerBody = LINES_PER_BODY): LineWriter => {
  const done: Uint8Array[] = [];
  let buf = new Uint8Array(Math.max(64, expectedBytes));
  let at = 0;
  let lineStart = 0;
  let inBody = 0;
  let lines = 0;

  const room = (bytes: number) => {
    if (at + bytes <= buf.length) return;
    const next = new Uint8Array(Math.max(buf.length * 2, at + bytes));
    next.set(buf.subarray(0, at));
    buf = next;
  };

  /** UTF-8 of `s` from `i` on, past its ASCII start (rare: a user's alert name). */
  const encodeRest = (s: string, from: number) => {
    for (let i = from; i < s.length; i++) {
      let c = s.codePointAt(i)!;
      if (c < 0x80) buf[at++] = c;
      else if (c < 0x800) {
        buf[at++] = 0xc0 | (c >> 6);
        buf[at++] = 0x80 | (c & 0x3f);
      } else if (c < 0x10000) {
        if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // a lone surrogate, as TextEncoder writes it
        buf[at++] = 0xe0 | (c >> 12);
        buf[at++] = 0x80 | ((c >> 6) & 0x3f);
        buf[at++] = 0x80 | (c & 0x3f);
      } else {
        buf[at++] = 0xf0 | (c >> 18);
        buf[at++] = 0x80 | ((c >> 12) & 0x3f);
        buf[at++] = 0x80 | ((c >> 6) & 0x3f);
        buf[at++] = 0x80 | (c & 0x3f);
        i++; // the low surrogate
      }
    }
  };

  // The loops below work on locals: `buf` and `at` live in the writer's closure, and a loop over them
  // would load and store them through it at every byte.
  const chars = (s: string, from: number, to: number) => {
    room(3 * (to - from));
    const b = buf;
    let p = at;
    for (let i = from; i < to; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        at = p;
        return encodeRest(s.slice(0, to), i);
      }
      b[p++] = c;
    }
    at = p;
  };

  const text = (s: string) => {
    if (s.length < NATIVE_FROM) return chars(s, 0, s.length);
    room(3 * s.length);
    at += encoder.encodeInto(s, buf.subarray(at)).written;
  };

  const bytes = (src: Uint8Array, from = 0, to = src.length) => {
    room(to - from);
    if (to - from > 64) buf.set(src.subarray(from, to), at);
    else {
      const b = buf;
      for (let i = from, p = at; i < to; i++, p++) b[p] = src[i]!;
    }
    at += to - from;
  };

  /** The digits of 0 ≤ n < 1e9 (small-integer arithmetic), at least `width` of them (zero-padded). */
  const digits = (n: number, width: number) => {
    let count = 1;
    for (let x = n; x >= 10; x = (x / 10) | 0) count++;
    if (count < width) count = width;
    const b = buf;
    const start = at;
    for (let i = start + count - 1, x = n; i >= start; i--, x = (x / 10) | 0) b[i] = 48 + (x % 10);
    at = start + count;
  };

  const integer = (n: number) => {
    if (!Number.isSafeInteger(n) || n < 0) return text(String(n));
    room(16);
    if (n < 1e9) return digits(n, 1);
    // A time in ms (13 digits): its upper digits, then its lower nine, each in small-integer arithmetic.
    const high = Math.floor(n / 1e9);
    if (high < 1e9) digits(high, 1);
    else {
      digits(Math.floor(high / 1e9), 1);
      digits(high % 1e9, 9);
    }
    digits(n % 1e9, 9);
  };

  const decimal = (d: string) => {
    const end = decimalEnd(d);
    if (end < 0) text(String(Number(d)));
    else chars(d, 0, end);
  };

  const endLine = () => {
    room(1);
    buf[at++] = NEWLINE;
    lineStart = at;
    lines++;
    if (++inBody < linesPerBody) return;
    done.push(buf.subarray(0, at - 1));
    buf = new Uint8Array(buf.length);
    at = 0;
    lineStart = 0;
    inBody = 0;
  };

  const bodies = (): Bodies => ({
    bodies: lineStart === 0 ? [...done] : [...done, buf.subarray(0, lineStart - 1)],
    lines,
  });

  const mark = () => at;
  const copyTo = (target: LineWriter, from: number) => target.bytes(buf, from, at);

  return { text, bytes, mark, copyTo, decimal, integer, endLine, bodies };
};

/** Lines (each without a newline) as request bodies. */
export const bodiesOf = (lines: readonly string[]): Bodies => {
  let bytes = 0;
  for (const l of lines) bytes += l.length + 1;
  const w = lineWriter(Math.min(bytes, 8 << 20));
  for (const l of lines) {
    w.text(l);
    w.endLine();
  }
  return w.bodies();
};

/** Text as UTF-8, for `LineWriter.bytes` (encode once, write often). */
export const utf8Of = (s: string): Uint8Array => encoder.encode(s);

const utf8 = new TextDecoder();

/** The lines of request bodies, as text (what tests compare with `toLineProtocol`). */
export const linesOf = (b: Bodies): string[] => b.bodies.flatMap((body) => utf8.decode(body).split('\n'));

/** Bodies one after the other (lines of one bucket in the order they are to be written). */
export const concatBodies = (...parts: readonly Bodies[]): Bodies => ({
  bodies: parts.flatMap((p) => p.bodies),
  lines: parts.reduce((n, p) => n + p.lines, 0),
});
