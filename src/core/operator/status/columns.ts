import type { CryptoStream } from '../../../api/v1alpha1/cryptostream.ts';

/** Symbols named in the Symbols column before the rest are counted: a 64-symbol stream keeps a narrow column. */
export const SYMBOLS_SHOWN = 4;

/** `a,b,c`, or the first `shown` and a count of the others: `a,b,c,d +60 more`. */
export const listColumn = (items: readonly string[], shown = Infinity): string =>
  items.length <= shown
    ? items.join(',')
    : `${items.slice(0, shown).join(',')} +${items.length - shown} more`;

/**
 * The text of the Symbols and Intervals columns of `kubectl get cryptostreams` (status.symbols and
 * status.intervals): a printer column's JSONPath cannot join a list, and prints spec.symbols as JSON.
 */
export const columnsOf = (cr: CryptoStream): { symbols: string; intervals: string } => ({
  symbols: listColumn(cr.spec.symbols, SYMBOLS_SHOWN),
  intervals: listColumn(cr.spec.intervals),
});
