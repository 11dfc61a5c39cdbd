/**
 * Errors as values. A Result is plain data (it crosses JSON, Kafka and worker boundaries unchanged);
 * the helpers are data-last so they compose with R.pipe.
 */
export type Ok<T> = { readonly ok: true; readonly value: T };
export type Err<E> = { readonly ok: false; readonly error: E };
export type Result<T, E> = Ok<T> | Err<E>;

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });
export const err = <E>(error: E): Err<E> => ({ ok: false, error });

export const map =
  <T, U>(f: (t: T) => U) =>
  <E>(r: Result<T, E>): Result<U, E> =>
    r.ok ? ok(f(r.value)) : r;

export const chain =
  <T, U, F>(f: (t: T) => Result<U, F>) =>
  <E>(r: Result<T, E>): Result<U, E | F> =>
    r.ok ? f(r.value) : r;

export const mapError =
  <E, F>(f: (e: E) => F) =>
  <T>(r: Result<T, E>): Result<T, F> =>
    r.ok ? r : err(f(r.error));

/** Splits results into the values and the errors, each in input order. */
export const partition = <T, E>(results: readonly Result<T, E>[]): { values: T[]; errors: E[] } => {
  const values: T[] = [];
  const errors: E[] = [];
  for (const r of results) {
    if (r.ok) values.push(r.value);
    else errors.push(r.error);
  }
  return { values, errors };
};

/** Runs a function that may throw and turns the throw into an error value (wrap throwing APIs once). */
export const attempt = <T, E>(f: () => T, onThrow: (thrown: unknown) => E): Result<T, E> => {
  try {
    return ok(f());
  } catch (thrown) {
    return err(onThrow(thrown));
  }
};
