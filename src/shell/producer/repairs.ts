import { Counter } from 'prom-client';
import { backoffDelay } from '../../core/binance/budget.ts';
import { openTimeOf, type Settled } from '../../core/binance/live.ts';
import { settlePage } from '../../core/binance/page.ts';
import {
  mergeHoles,
  missingRanges,
  noteMissing,
  rangeAfter,
  recheckedGaps,
  repairPage,
  storedHoles,
  type OpenRange,
} from '../../core/binance/repair.ts';
import type { KlinesOutcome } from '../../core/binance/response.ts';
import { intervalMs, type Interval } from '../../core/kline/interval.ts';
import type { ServerClock } from '../binance/serverClock.ts';
import { DEFAULT_INFLUX_TIMEOUT_MS, type InfluxTarget } from '../influx/influx.ts';
import { storedNewest, storedSeries } from '../influx/stored.ts';
import type { Logger } from '../observability/logger.ts';
import { metrics } from '../observability/metrics.ts';
import { backfillStart, type BackfillFrom, type MarketState, type StoredNewest } from './markets.ts';
import { askBinance } from './askBinance.ts';
import type { Publish } from './publisher.ts';

/** The raw bucket the producer reads (holes) and writes (its `pipeline` health points) to. */
export type ProducerInflux = {
  readonly target: InfluxTarget;
  readonly bucketRaw: string;
  /** Bound of each request; 60 s by default. */
  readonly timeoutMs?: number;
};

/** A gap is checked once more this long after it was first seen, then given up. */
export const DEFAULT_GAP_RECHECK_MS = 60 * 60_000;

/** A range of one market asked for again over REST: a hole of the stored series, or a gap's re-check. */
export type Repair = {
  readonly market: MarketState;
  /** What is left to fetch. */
  range: OpenRange;
  /** The whole range, for the re-check's bookkeeping. */
  readonly whole: OpenRange;
  /** When (local ms) to fetch its next page. */
  dueAt: number;
  attempt: number;
  /** A gap's one re-check: what is still missing is given up, not reported again. */
  readonly recheck: boolean;
};

let gapCounter: Counter<'interval'> | undefined;

/** `cryptostream_binance_gaps_total{interval}`, in the process's registry. */
const gapsMetric = (): Counter<'interval'> =>
  (gapCounter ??= new Counter({
    name: 'cryptostream_binance_gaps_total',
    help: 'Ranges of candles Binance does not have (REST answers nothing for them in the past), each counted once.',
    labelNames: ['interval'] as const,
    registers: [metrics().registry],
  }));

/**
 * The stored series of every live market, from the raw bucket: the newest stored open time by interval
 * and symbol. InfluxDB failing is not fatal: the producer starts from the topic as without InfluxDB.
 */
export const readStoredNewest = async (
  influx: ProducerInflux,
  intervals: readonly Interval[],
  symbols: readonly string[],
  log: Logger,
  signal: AbortSignal,
): Promise<StoredNewest> => {
  const out = new Map<Interval, Map<string, number>>();
  try {
    for (const interval of intervals)
      out.set(
        interval,
        await storedNewest(influx.target, influx.bucketRaw, interval, symbols, {
          timeoutMs: influx.timeoutMs ?? DEFAULT_INFLUX_TIMEOUT_MS,
          signal,
        }),
      );
  } catch (e) {
    log.warn({ err: e }, 'stored series not read from InfluxDB; starting from the topic alone');
    return new Map();
  }
  return out;
};

/**
 * The holes of every market's stored series between its backfill start and its cursor, as repairs
 * (first thing the loop does, before it follows live). InfluxDB failing is logged; no repair then.
 */
export const findHoles = async (
  influx: ProducerInflux,
  markets: readonly MarketState[],
  from: BackfillFrom,
  log: Logger,
  signal: AbortSignal,
): Promise<Repair[]> => {
  const repairs: Repair[] = [];
  for (const interval of new Set(markets.map((m) => m.interval))) {
    const own = markets.filter((m) => m.interval === interval);
    const since = backfillStart(from, interval);
    let series;
    try {
      series = await storedSeries(
        influx.target,
        influx.bucketRaw,
        interval,
        own.map((m) => m.symbol),
        since,
        { timeoutMs: influx.timeoutMs ?? DEFAULT_INFLUX_TIMEOUT_MS, signal },
      );
    } catch (e) {
      log.warn({ err: e, interval }, 'holes of the stored series not looked for: InfluxDB failed');
      continue;
    }
    for (const market of own) {
      const holes = storedHoles(
        interval,
        since,
        market.cursor,
        series.get(market.symbol) ?? { afterHoles: [] },
      );
      if (holes.length === 0) continue;
      log.info(
        {
          symbol: market.symbol,
          interval,
          holes: holes.length,
          first: rangeText(holes[0]!),
          candles: holes.reduce((n, h) => n + (h.to - h.from) / intervalMs[interval] + 1, 0),
        },
        'holes in the stored series; repairing them over REST',
      );
      for (const range of mergeHoles(interval, holes))
        repairs.push({ market, range, whole: range, dueAt: 0, attempt: 0, recheck: false });
    }
  }
  return repairs;
};

const rangeText = (r: OpenRange) => ({
  from: new Date(r.from).toISOString(),
  to: new Date(r.to).toISOString(),
});

/** Gaps of the exchange: reported once (warn, metric), re-checked once later by a repair, then given up. */
export type GapKeeper = {
  /** Files what a page in the past lacked; `recheck` when the page belongs to a gap's re-check. */
  readonly note: (market: MarketState, missing: readonly OpenRange[], recheck: boolean) => void;
};

export const gapKeeper = (repairs: Repair[], log: Logger, recheckMs: number): GapKeeper => ({
  note: (market, missing, recheck) => {
    if (missing.length === 0) return;
    const { symbol, interval } = market;
    const noted = noteMissing(market.gaps, missing, Date.now(), recheckMs, recheck);
    market.gaps = noted.gaps;
    for (const g of noted.reported) {
      gapsMetric().inc({ interval });
      log.warn(
        { symbol, interval, ...rangeText(g), recheckAt: new Date(g.recheckAt).toISOString() },
        'Binance has no candles in this past range (exchange maintenance?): a gap; checking once more later',
      );
      repairs.push({ market, range: g, whole: g, dueAt: g.recheckAt, attempt: 0, recheck: true });
    }
    for (const r of noted.givenUp)
      log.warn({ symbol, interval, ...rangeText(r) }, 'gap still there on its re-check; given up');
  },
});

/** One page of a repair: fetch, publish what came, file what did not as gaps, move on. */
export const repairStep = async (
  repair: Repair,
  repairs: Repair[],
  binanceUrl: string,
  timeoutMs: number | undefined,
  clock: ServerClock,
  publish: Publish,
  gaps: GapKeeper,
  log: Logger,
  onAnswer: (outcome: KlinesOutcome) => void,
): Promise<void> => {
  const { market } = repair;
  const { symbol, interval } = market;
  const request = repairPage(interval, repair.range);
  const context = { symbol, interval, startTime: request.startTime, repair: true };
  const outcome = await askBinance(
    { binanceUrl, symbol, interval, request, timeoutMs, attempt: repair.attempt },
    onAnswer,
    log,
    context,
  );
  if (outcome.kind === 'rate-limited' || outcome.kind === 'banned') return;
  if (outcome.kind !== 'klines') {
    repair.attempt += 1;
    const fatal = outcome.kind === 'fatal';
    repair.dueAt =
      Date.now() +
      backoffDelay(repair.attempt, Math.random(), fatal ? { baseMs: 30_000, maxMs: 300_000 } : undefined);
    log[fatal ? 'error' : 'warn'](
      { ...context, reason: outcome.reason, attempt: repair.attempt },
      `Binance answer ${outcome.kind}; retrying the repair after a backoff`,
    );
    return;
  }
  const page = settlePage(interval, request, outcome, clock.now());
  const settled: Settled[] = [
    ...page.publish.map((candle): Settled => ({ kind: 'candle', candle })),
    ...page.deadLetters.map((row): Settled => ({ kind: 'rejected', row })),
  ].sort((a, b) => openTimeOf(a) - openTimeOf(b));
  if (!(await publish(market, settled, 'rest'))) {
    repair.attempt += 1;
    repair.dueAt = Date.now() + backoffDelay(repair.attempt, Math.random());
    return;
  }
  repair.attempt = 0;
  gaps.note(
    market,
    missingRanges(interval, request.startTime, page.cursor, settled.map(openTimeOf)),
    repair.recheck,
  );
  const rest = rangeAfter(repair.range, page.cursor);
  if (rest !== undefined) {
    repair.range = rest;
    return;
  }
  repairs.splice(repairs.indexOf(repair), 1);
  if (repair.recheck) market.gaps = recheckedGaps(market.gaps, repair.whole);
  else log.info({ symbol, interval, ...rangeText(repair.whole) }, 'hole repaired');
};
