/*
 * A consumer decodes every record's key and `schema-version` header to text: a few dozen distinct
 * symbols and one version, hundreds of thousands of times a drain. `Buffer.toString` makes a new
 * string each time through a native call (with the records' values, its own time was 0.3 s of a profiled
 * drain of 600,000 candles: docs/benchmarks.md). A text cache hashes the few bytes instead and returns the
 * string it decoded before when the bytes are the same.
 */

/** Texts longer than this are decoded each time (keys and versions are short; values are not cached). */
const MAX_BYTES = 64;

/** Whether `b` is exactly the ASCII text `s` (a non-ASCII text is never taken from the cache). */
const sameAscii = (s: string, b: Uint8Array): boolean => {
  if (s.length !== b.length) return false;
  for (let i = 0; i < b.length; i++) if (b[i]! >= 0x80 || s.charCodeAt(i) !== b[i]) return false;
  return true;
};

/**
 * `b.toString()` (UTF-8), the same string object for the same short ASCII bytes. Up to `capacity`
 * texts are kept (the first one of each hash: a colliding text is decoded each time, correctly).
 */
export const textCache = (capacity = 4096): ((b: Buffer) => string) => {
  const byHash = new Map<number, string>();
  return (b) => {
    if (b.length > MAX_BYTES) return b.toString();
    let h = 0x811c9dc5;
    for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
    const known = byHash.get(h);
    if (known !== undefined && sameAscii(known, b)) return known;
    const text = b.toString();
    if (known === undefined && byHash.size < capacity) byHash.set(h, text);
    return text;
  };
};
