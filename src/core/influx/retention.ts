/** An InfluxDB 2 bucket's retention rule as its API reads and writes it (`everySeconds: 0`: kept forever). */
export type RetentionRule = { readonly type: 'expire'; readonly everySeconds: number };

const DAY_SECONDS = 86_400;

/** The rules of a bucket that keeps points `days` days (0: forever). */
export const retentionRules = (days: number): RetentionRule[] => [
  { type: 'expire', everySeconds: days * DAY_SECONDS },
];

/** How long a bucket's rules keep points, in seconds (0: forever, also when it has no rule at all). */
const keptSeconds = (rules: readonly { everySeconds?: number }[] | undefined): number =>
  rules?.find((r) => (r.everySeconds ?? 0) > 0)?.everySeconds ?? 0;

/** Whether a bucket with these rules keeps points other than `days` days. */
export const retentionDiffers = (
  rules: readonly { everySeconds?: number }[] | undefined,
  days: number,
): boolean => keptSeconds(rules) !== days * DAY_SECONDS;
