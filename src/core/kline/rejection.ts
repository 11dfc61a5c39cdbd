/** Where a record sits in its input: its 1-based record number, and its line when the input is line-based. */
export type Position = { readonly record: number; readonly line?: number };

/** Why a field or record is invalid: plain data, so it can go on stderr, into a log or a dead-letter header. */
export type Problem = { readonly reason: string; readonly field?: string };

/** An invalid record: the problem and where it was found. */
export type Rejection = Problem & { readonly position: Position };

export const problem = (reason: string, field?: string): Problem =>
  field === undefined ? { reason } : { reason, field };

export const describeProblem = (p: Problem): string =>
  p.field === undefined ? p.reason : `${p.field}: ${p.reason}`;
