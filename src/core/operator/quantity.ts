/**
 * Kubernetes resource quantities (`500m`, `1`, `1.5`, `256Mi`, `1Gi`, `2e3`), compared by value: the API
 * server stores them canonicalized (`1000m` comes back as `1`, `1024Mi` as `1Gi`), so comparing the text a
 * user wrote with the text the server returns would see a change on every resync.
 */
const SUFFIXES: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?)$/;

/** The value of a quantity in nano-units (exact for every quantity the operator writes), or undefined. */
export const quantityNanos = (text: string): number | undefined => {
  const m = QUANTITY.exec(text);
  if (m === null) return undefined;
  const value = Number(`${m[1]}${m[2] ?? ''}`) * (SUFFIXES[m[3] ?? ''] ?? 1);
  return Number.isFinite(value) ? Math.round(value * 1e9) : undefined;
};

/** Whether two quantities are the same amount (false when either is not a quantity). */
export const sameQuantity = (a: string, b: string): boolean => {
  const x = quantityNanos(a);
  return x !== undefined && x === quantityNanos(b);
};
