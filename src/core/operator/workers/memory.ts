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

/** The largest semi-space a worker gets (MiB): beyond it a draining consumer gains little (docs/benchmarks.md). */
const MAX_SEMI_SPACE_MIB = 16;

/**
 * Node options of a worker with this memory limit:
 * - V8's old space capped at half of it, so the heap is collected long before the container is killed
 *   for memory (V8 otherwise grows the heap far beyond the live data between full collections; see
 *   docs/pipeline.md, Benchmark);
 * - its young generation's semi-spaces at 1/32 of it, at most 16 MiB. Node sizes them from the memory the
 *   container has, which in 512Mi is 1 MiB: a consumer's batch (~1,700 records with their candles,
 *   indicators and lines, a few MB) then outlives its scavenges and is promoted, and 40 % of the
 *   consumer's CPU went to the garbage collector. With 16 MiB a draining consumer in 512Mi spent
 *   15.4–15.9 ms of CPU per 1,000 candles instead of 24.0–25.6, for +20 MB of peak RSS (docs/benchmarks.md).
 *   V8 starts them at 1 MiB and grows them only when what survives its scavenges needs the room.
 *
 * Undefined without a usable limit.
 */
export const nodeOptionsFor = (memoryLimit: string): string | undefined => {
  const bytes = quantityBytes(memoryLimit);
  if (bytes === undefined || bytes < 64 * 2 ** 20) return undefined;
  const mib = bytes / 2 ** 20;
  const semiSpace = Math.min(MAX_SEMI_SPACE_MIB, Math.max(1, Math.floor(mib / 32)));
  return `--max-old-space-size=${Math.floor(mib / 2)} --max-semi-space-size=${semiSpace}`;
};
