/** Stores one number under a fixed property name. */
export type FieldWriter = (out: Record<string, number>, value: number) => void;

/**
 * A writer for one output field, compiled for its name. A store whose property name is a variable
 * (`out[name] = x`) is V8's slow path as soon as one store site sees several names (the SMA list does),
 * and adding properties that way cost ~150 ns per candle here, more than all the indicator arithmetic;
 * a store with the name in the source is an inline-cached property add (~1 ns). The name is a field
 * name derived from integer periods, quoted with JSON.stringify. See docs/benchmarks.md.
 */
export const fieldWriter = (name: string): FieldWriter =>
  new Function('out', 'value', `out[${JSON.stringify(name)}] = value;`) as FieldWriter;
