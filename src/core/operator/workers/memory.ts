/** Bytes per unit of a Kubernetes memory quantity suffix. */
const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** A Kubernetes memory quantity (`512Mi`, `1G`, `268435456`, `1e9`) in bytes; undefined when not one. */
export const quantityBytes = (quantity: string): number | undefined => {
  const m = /^(\d+(?:\.\d+)?(?:[eE]\d+)?)(|k|M|G|T|Ki|Mi|Gi|Ti)$/.exec(quantity.trim());
  if (m === null) return undefined;
  const bytes = Number(m[1]) * UNITS[m[2]!]!;
  return Number.isFinite(bytes) ? bytes : undefined;
};

/**
 * Node options of a worker with this memory limit: V8's old space capped at half of it, so the heap is
 * collected long before the container is killed for memory (V8 otherwise grows the heap far beyond the
 * live data between full collections; see docs/pipeline.md, Benchmark). Undefined without a usable limit.
 */
export const nodeOptionsFor = (memoryLimit: string): string | undefined => {
  const bytes = quantityBytes(memoryLimit);
  if (bytes === undefined || bytes < 64 * 2 ** 20) return undefined;
  return `--max-old-space-size=${Math.floor(bytes / 2 / 2 ** 20)}`;
};
