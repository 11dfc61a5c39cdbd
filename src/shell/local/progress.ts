/**
 * What `cryptostream local` shows while it runs, as pure functions of a snapshot of its counters: the
 * block a terminal rewrites in place, the plain lines a log gets, and when a run has stopped moving.
 */

/** One market (symbol × interval) of the run. */
export type MarketProgress = {
  readonly symbol: string;
  readonly interval: string;
  /** Closed candles received from Binance by this run. */
  readonly fetched: number;
  /** Candles this run published to Kafka. */
  readonly published: number;
  /** Records the consumer read, stored (or refused) and committed during this run. */
  readonly consumed: number;
  /** Candles the consumer stored in InfluxDB (and committed) during this run. */
  readonly stored: number;
  /** Records the consumer read but refused (dead letters). */
  readonly rejected: number;
};

export type ProgressSnapshot = {
  readonly at: number;
  readonly markets: readonly MarketProgress[];
  /** Failed InfluxDB requests of the consumers (each retried). */
  readonly influxFailures: number;
  /** Binance answers that were not klines (retried after a backoff, or after Retry-After). */
  readonly binanceFailures: number;
  /** Rows Binance served that are not candles (dead letters of the producers). */
  readonly binanceRejected: number;
  /** The comparison of derived candles with the exchange's, when a consumer derives. */
  readonly derived?: string;
};

/**
 * Records published and not consumed yet: the consumer's lag behind this run's producer (0 when the
 * consumer also read records an earlier run published).
 */
export const lagOf = (m: MarketProgress): number => Math.max(0, m.published - m.consumed);

const clock = (at: number): string => new Date(at).toISOString().slice(11, 19);

/** Columns, two spaces apart: the first `textColumns` left-aligned, the others (numbers) right-aligned. */
export const table = (
  head: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  textColumns = 2,
): string[] => {
  const cells = [head, ...rows].map((r) => r.map(String));
  const widths = head.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  return cells.map((c) =>
    c
      .map((v, i) => (i < textColumns ? v.padEnd(widths[i]!) : v.padStart(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
};

/** `errors: none`, or what went wrong so far, summed over the run. */
export const errorsText = (p: ProgressSnapshot): string => {
  const rejected = p.binanceRejected + p.markets.reduce((n, m) => n + m.rejected, 0);
  const parts = [
    p.influxFailures > 0 ? `${p.influxFailures} failed InfluxDB requests (retried)` : '',
    p.binanceFailures > 0 ? `${p.binanceFailures} failed Binance requests (retried)` : '',
    rejected > 0 ? `${rejected} invalid records (dead-letter topics)` : '',
  ].filter((s) => s !== '');
  return `errors: ${parts.length === 0 ? 'none' : parts.join(', ')}`;
};

/** The block a terminal shows and rewrites in place: one row per market, then the errors. */
export const progressBlock = (p: ProgressSnapshot): string[] => [
  ...table(
    ['symbol', 'interval', 'fetched', 'published', 'stored', 'lag', 'rejected'],
    p.markets.map((m) => [m.symbol, m.interval, m.fetched, m.published, m.stored, lagOf(m), m.rejected]),
  ),
  `${clock(p.at)}  ${errorsText(p)}${p.derived === undefined ? '' : `  ·  derived: ${p.derived}`}`,
];

const marketLine = (at: number, m: MarketProgress): string =>
  `${clock(at)} ${m.symbol} ${m.interval}: fetched ${m.fetched}, published ${m.published}, stored ${m.stored}, lag ${lagOf(m)}, rejected ${m.rejected}`;

const sameMarket = (a: MarketProgress, b: MarketProgress | undefined): boolean =>
  b !== undefined &&
  a.fetched === b.fetched &&
  a.published === b.published &&
  a.consumed === b.consumed &&
  a.stored === b.stored &&
  a.rejected === b.rejected;

const nothing = { fetched: 0, published: 0, consumed: 0, stored: 0, rejected: 0 };

/**
 * The plain lines a log gets (no terminal): one per market that changed since `previous` (the first
 * time: since nothing), and the errors and derivations when they changed. Nothing when nothing moved.
 */
export const progressLines = (p: ProgressSnapshot, previous?: ProgressSnapshot): string[] => {
  const before = new Map(previous?.markets.map((m) => [`${m.symbol} ${m.interval}`, m]));
  const lines = p.markets
    .filter((m) => !sameMarket(m, before.get(`${m.symbol} ${m.interval}`) ?? { ...m, ...nothing }))
    .map((m) => marketLine(p.at, m));
  const errors = errorsText(p);
  if (previous === undefined ? errors !== 'errors: none' : errors !== errorsText(previous))
    lines.push(`${clock(p.at)} ${errors}`);
  if (p.derived !== undefined && p.derived !== previous?.derived)
    lines.push(`${clock(p.at)} derived: ${p.derived}`);
  return lines;
};

/** Where the stall watch stands: the last sum of the counters, since when it stands, whether work waited. */
export type StallWatch = { readonly mark: number; readonly movedAt: number; readonly work: boolean };

/**
 * Whether a run stopped moving: `work` says whether something waits (candles published and not stored,
 * candles fetched and not in InfluxDB yet), `mark` is a sum that grows with any progress. The time
 * without progress counts only while something waits; `stalled` once it reaches `stallMs` (0: never).
 */
export const watchStall = (
  watch: StallWatch | undefined,
  now: number,
  mark: number,
  work: boolean,
  stallMs: number,
): { readonly watch: StallWatch; readonly stalled: boolean } => {
  const next =
    watch === undefined || mark !== watch.mark || !work || !watch.work ? { mark, movedAt: now, work } : watch;
  return { watch: next, stalled: stallMs > 0 && work && now - next.movedAt >= stallMs };
};

/** The mark of a snapshot for `watchStall`: every counter that grows when the pipeline moves. */
export const progressMark = (p: ProgressSnapshot): number =>
  p.markets.reduce((n, m) => n + m.fetched + m.published + m.consumed + m.stored + m.rejected, 0);
