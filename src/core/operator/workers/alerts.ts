import type { Alert, CryptoStream } from '../../../api/v1alpha1/cryptostream.ts';
import type { Interval } from '../../kline/interval.ts';

/**
 * The alerts an interval's consumers evaluate (`CRYPTOSTREAM_ALERTS`, as JSON): those of `spec.alerts` that
 * watch the interval, each with its interval written out (an alert without one watches the first of
 * `spec.intervals`), in the spec's order, fields as the spec has them (`window` for change alerts). A
 * consumer resolves them with `alertRules({ alerts, intervals: [its interval], indicators })`; a change
 * of another interval's alerts does not roll it.
 */
export const alertsOf = (cr: CryptoStream, interval: Interval): Alert[] =>
  cr.spec.alerts
    .map((a) => ({ ...a, interval: a.interval ?? cr.spec.intervals[0]! }))
    .filter((a) => a.interval === interval);
