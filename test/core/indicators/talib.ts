/**
 * TA-Lib (talib-web's WebAssembly build) called through its C entry points, with the real output
 * begin index. talib-web's own wrappers are not used: they pass endIdx = length (one past the input,
 * so the last output is computed from memory beyond the array) and return outputs left-aligned at the
 * lookback without the begin index, padded with zeros.
 */
import { createRequire } from 'node:module';

type Wasm = {
  _malloc: (bytes: number) => number;
  _free: (pointer: number) => void;
  HEAPF64: Float64Array;
  HEAP32: Int32Array;
  ccall: (name: string, returns: string, types: string[], args: number[]) => number;
};

const require = createRequire(import.meta.url);

let wasm: Wasm | undefined;

/** Loads the module once. Emscripten prefers fetch() when it exists, which cannot read a file path. */
export const loadTalib = async (): Promise<void> => {
  if (wasm !== undefined) return;
  const talib = require('talib-web') as { init: (path: string) => Promise<Wasm> };
  const fetch = globalThis.fetch;
  Reflect.deleteProperty(globalThis, 'fetch');
  try {
    wasm = await talib.init(require.resolve('talib-web/lib/talib.wasm'));
  } finally {
    globalThis.fetch = fetch;
  }
};

/** TA_<name>(0, N−1, inputs…, options…) → outputs aligned with the inputs (undefined before begIdx). */
export const talib = (
  name: string,
  inputs: readonly (readonly number[])[],
  options: readonly number[],
  outputs = 1,
): (number | undefined)[][] => {
  const m = wasm;
  if (m === undefined) throw new Error('call loadTalib() first');
  const n = inputs[0]!.length;
  const alloc = (): number => m._malloc(8 * n);
  const ins = inputs.map((xs) => {
    const p = alloc();
    m.HEAPF64.set(xs, p / 8);
    return p;
  });
  const begin = m._malloc(4);
  const count = m._malloc(4);
  const outs = Array.from({ length: outputs }, alloc);
  const code = m.ccall(`TA_${name}`, 'number', [], [0, n - 1, ...ins, ...options, begin, count, ...outs]);
  const b = m.HEAP32[begin / 4]!;
  const k = m.HEAP32[count / 4]!;
  const result = outs.map((p) => {
    const series: (number | undefined)[] = new Array<number | undefined>(n).fill(undefined);
    for (let i = 0; i < k; i++) series[b + i] = m.HEAPF64[p / 8 + i]!;
    return series;
  });
  for (const p of [...ins, begin, count, ...outs]) m._free(p);
  if (code !== 0) throw new Error(`TA_${name} returned ${code}`);
  return result;
};
