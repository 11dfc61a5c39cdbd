import { backoffDelay } from '../../core/binance/budget.ts';
import { marketKey, openTimeOf, readStreamMessage, streamGrace, takeRun } from '../../core/binance/live.ts';
import { planPage } from '../../core/binance/page.ts';
import { inOpenTimeOrder, settle } from '../../core/pipeline/produce.ts';
import { missingRanges } from '../../core/binance/repair.ts';
import type { KlinesOutcome } from '../../core/binance/response.ts';
import { combinedStreamUrls, klineStream, streamBaseOf } from '../../core/binance/streams.ts';
import { intervalMs, type Interval } from '../../core/kline/interval.ts';
import type { SymbolPartitions } from '../../core/kline/partitions.ts';
import { gateOf } from '../binance/gate.ts';
import { openKlineStreams } from '../binance/klineStreams.ts';
import { serverClock, type ServerClock } from '../binance/serverClock.ts';
import { awaitKafka, makeKafka, makeProducer, type KafkaOptions } from '../kafka/client.ts';
import type { Logger } from '../observability/logger.ts';
import { metrics } from '../observability/metrics.ts';
import { sleep } from '../observability/sleep.ts';
import { pipelineReporter, type BinanceStats } from './health.ts';
import { countsOf, openMarkets, type BackfillFrom, type MarketState, type SymbolCounts } from './markets.ts';
import { askBinance } from './askBinance.ts';
import { publisher, type Publish } from './publisher.ts';
import {
  DEFAULT_GAP_RECHECK_MS,
  findHoles,
  gapKeeper,
  readStoredNewest,
  repairStep,
  type GapKeeper,
  type ProducerInflux,
  type Repair,
} from './repairs.ts';

export type { SymbolCounts } from './markets.ts';

export type ProducerConfig = KafkaOptions & {
  readonly symbols: readonly string[];
  /** Every interval of the stream: one process, one rate budget and one WebSocket for all of them. */
  readonly intervals: readonly Interval[];
  readonly binanceUrl: string;
  /** The WebSocket base of the kline streams; by default the one that goes with `binanceUrl`. */
  readonly streamUrl?: string;
  /** Start of the backfill (ms), for every interval or per interval. */
  readonly from: BackfillFrom;
  /** Whether `from` was asked for (else it is the default: `defaultBackfillFrom`, the indicators' warm-up). */
  readonly fromExplicit: boolean;
  /** Exclusive end of the open times to publish; without it the producer runs live. */
  readonly to?: number;
  readonly timeoutMs?: number;
  /** The partition of each symbol (the operator's assignment); without it, assigned in the order listed. */
  readonly symbolPartitions?: SymbolPartitions;
  /** Replace each stream connection this long after it opened (default: 10 min before Binance's 24 h cut). */
  readonly streamRenewAfterMs?: number;
  /**
   * The raw bucket: a live run starts after the stored series when that ends earlier and repairs its holes
   * first; every run writes its `pipeline` health points there. Without it, neither.
   */
  readonly influx?: ProducerInflux;
  /** A gap of the exchange is checked once more this long after it was seen (default 1 h). */
  readonly gapRecheckMs?: number;
  /** How often the `pipeline` points are written (default `PIPELINE_REPORT_MS`, 10 s). */
  readonly reportEveryMs?: number;
};

/** Closing stream events kept per market while REST catches up; later ones are fetched over REST instead. */
const MAX_PENDING = 10_000;

/** Margin after a candle's close before a bounded run asks REST for it: Binance needs a moment to store it. */
const closeMargin = (interval: Interval): number => Math.min(2000, Math.max(250, intervalMs[interval] / 50));

/**
 * The producer: every symbol at every interval of a stream, each market with its own cursor (the next
 * open time to publish). Live candles come from Binance's WebSocket kline streams — one connection for
 * all markets — and are published on their closing event (`k.x = true`), in order, exactly once. REST
 * fills everything else: the backfill, and whatever the streams did not deliver in time (a reconnect, a
 * late or lost closing event), judging "closed" by Binance's clock, not this host's. All requests of the
 * process share one gate per Binance host (Retry-After of a 429 or 418, the weight budget). With `to`
 * the run is bounded, REST only, and ends once every market reached it. Returns the counts by interval
 * and symbol when the run ends or the signal aborts.
 */
export const runProducer = async (
  config: ProducerConfig,
  log: Logger,
  signal: AbortSignal,
  onReady: () => void = () => undefined,
): Promise<Map<Interval, Map<string, SymbolCounts>>> => {
  await awaitKafka(config.brokers, config.security, config.connectTimeoutMs, signal);
  if (signal.aborted) return new Map();
  const kafka = makeKafka(config.brokers, 'producer', log, config.security);
  const live = config.to === undefined;
  const { influx } = config;
  const stored =
    live && influx !== undefined
      ? await readStoredNewest(influx, config.intervals, config.symbols, log, signal)
      : undefined;
  const markets = await openMarkets(kafka, config, log, Date.now(), stored);
  const repairs: Repair[] =
    live && influx !== undefined ? await findHoles(influx, markets, config.from, log, signal) : [];
  const gaps = gapKeeper(repairs, log, config.gapRecheckMs ?? DEFAULT_GAP_RECHECK_MS);
  const stats: BinanceStats = { answers429: 0, answers418: 0 };
  const producer = makeProducer(kafka);
  await producer.connect();
  const gate = gateOf(config.binanceUrl);
  const clock = serverClock(config.binanceUrl, gate, log, config.timeoutMs);
  const wake = waker();
  const stopStreams = new AbortController();
  const reporter =
    influx === undefined ? undefined : pipelineReporter(influx, markets, stats, log, config.reportEveryMs);
  const onAnswer = answered(stats);
  try {
    await clock.sync(true);
    if (live) followStreams(config, markets, log, wake, AbortSignal.any([signal, stopStreams.signal]));
    onReady();
    const publish = publisher(producer, new URL(config.binanceUrl).host, log);
    while (!signal.aborted) {
      const active = markets.filter((m) => !m.done);
      if (active.length === 0) break;
      for (const m of active) if (m.pending.has(m.cursor)) await publishStreamed(m, publish);
      await clock.sync();
      const next = active.reduce((a, b) => (b.dueAt < a.dueAt ? b : a));
      // Repairs (holes of the stored series, re-checks of gaps) go first when due.
      const repair = live
        ? repairs.reduce<Repair | undefined>(
            (a, b) => (a === undefined || b.dueAt < a.dueAt ? b : a),
            undefined,
          )
        : undefined;
      const due = Math.min(next.dueAt, repair?.dueAt ?? Number.POSITIVE_INFINITY);
      const wait = Math.max(due, gate.openAt) - Date.now();
      if (wait > 0) {
        await wake.sleep(wait, signal);
        continue;
      }
      if (repair !== undefined && repair.dueAt <= next.dueAt)
        await repairStep(
          repair,
          repairs,
          config.binanceUrl,
          config.timeoutMs,
          clock,
          publish,
          gaps,
          log,
          onAnswer,
        );
      else await restStep(next, config, clock, publish, log, gaps, onAnswer);
    }
  } finally {
    stopStreams.abort();
    try {
      await producer.disconnect();
    } finally {
      await reporter?.stop();
    }
  }
  return countsOf(markets);
};

/** Keeps the producer's Binance counts (for the `pipeline` points) and metrics of each kline answer. */
const answered =
  (stats: BinanceStats) =>
  (outcome: KlinesOutcome): void => {
    const m = metrics();
    m.binanceRequests.inc({ outcome: outcome.kind });
    if (outcome.usedWeight !== undefined) {
      m.usedWeight.set(outcome.usedWeight);
      stats.weight = outcome.usedWeight;
    }
    if (outcome.kind === 'rate-limited' || outcome.kind === 'banned') {
      m.rateLimited.inc({ status: outcome.kind === 'banned' ? '418' : '429' });
      if (outcome.kind === 'banned') stats.answers418 += 1;
      else stats.answers429 += 1;
    }
  };

/** Lets a closing stream event cut short the loop's sleep. */
const waker = () => {
  let nudge = new AbortController();
  return {
    wake: () => nudge.abort(),
    sleep: async (ms: number, signal: AbortSignal) => {
      await sleep(ms, AbortSignal.any([signal, nudge.signal]));
      if (nudge.signal.aborted) nudge = new AbortController();
    },
  };
};

/** Subscribes every market's kline stream and files each closing event under its market. */
const followStreams = (
  config: ProducerConfig,
  markets: readonly MarketState[],
  log: Logger,
  wake: { wake: () => void },
  signal: AbortSignal,
): void => {
  const m = metrics();
  const byKey = new Map(markets.map((s) => [marketKey(s), s]));
  const base = config.streamUrl ?? streamBaseOf(config.binanceUrl);
  const urls = combinedStreamUrls(
    base,
    markets.map((s) => klineStream(s.symbol, s.interval)),
  );
  const streams = openKlineStreams(urls, {
    log,
    signal,
    ...(config.streamRenewAfterMs === undefined ? {} : { renewAfterMs: config.streamRenewAfterMs }),
    onMessage: (text) => {
      const event = readStreamMessage(text);
      if (event.kind === 'update') return;
      if (event.kind === 'shutdown') {
        log.info('Binance announced a server shutdown; renewing the stream connections');
        return streams.renew();
      }
      const market = event.kind === 'final' ? byKey.get(marketKey(event.market)) : undefined;
      if (event.kind === 'unreadable' || market === undefined) {
        m.streamFinals.inc({ interval: market?.interval ?? '', outcome: 'unreadable' });
        return log.warn(
          {
            reason: event.kind === 'unreadable' ? event.reason : 'no such market',
            message: text.slice(0, 300),
          },
          'unreadable kline stream message; REST will fetch what it should have said',
        );
      }
      const openTime = openTimeOf(event.settled);
      if (openTime < market.cursor) return m.streamFinals.inc({ interval: market.interval, outcome: 'late' });
      if (market.pending.size < MAX_PENDING) market.pending.set(openTime, event.settled);
      if (openTime === market.cursor) wake.wake();
    },
  });
};

/** Publishes the closing events that continue a market's cursor. */
const publishStreamed = async (market: MarketState, publish: Publish): Promise<void> => {
  if (market.dueAt > Date.now() && market.attempt > 0) return; // backing off after a failed send
  const { run, cursor } = takeRun(market.interval, market.cursor, market.pending);
  if (!(await publish(market, run, 'stream'))) return backOff(market);
  metrics().streamFinals.inc({ interval: market.interval, outcome: 'published' }, run.length);
  advance(market, cursor);
  market.attempt = 0;
  market.dueAt = Math.min(market.dueAt, Date.now());
};

/** Moves the cursor and forgets the closing events it passed. */
const advance = (market: MarketState, cursor: number): void => {
  for (const t of market.pending.keys()) if (t < cursor) market.pending.delete(t);
  market.cursor = cursor;
};

const backOff = (market: MarketState, fatal = false): void => {
  market.attempt += 1;
  market.dueAt =
    Date.now() +
    backoffDelay(market.attempt, Math.random(), fatal ? { baseMs: 30_000, maxMs: 300_000 } : undefined);
};

/**
 * One REST step of a market: fetch the next page of candles that are closed by Binance's clock (live: a
 * grace period after the close, for the stream to say it first), publish it, advance. Waits when there is
 * nothing to fetch yet, stops at `to`.
 */
const restStep = async (
  market: MarketState,
  config: ProducerConfig,
  clock: ServerClock,
  publish: Publish,
  log: Logger,
  gaps: GapKeeper,
  onAnswer: (outcome: KlinesOutcome) => void,
): Promise<void> => {
  const { interval, symbol } = market;
  const live = config.to === undefined;
  const margin = live ? streamGrace(interval) : closeMargin(interval);
  const plan = planPage({
    interval,
    cursor: market.cursor,
    now: clock.now() - margin,
    ...(config.to === undefined ? {} : { to: config.to }),
  });
  if (plan.kind === 'done') {
    market.done = true;
    log.info({ symbol, interval, topic: market.topic }, 'range published');
    return;
  }
  if (plan.kind === 'wait') {
    // Ask REST only if the stream has not delivered the candle a grace period after its close.
    market.dueAt = clock.localTimeOf(plan.until + margin);
    return;
  }
  const { request } = plan;
  const started = Date.now();
  const outcome = await askBinance(
    {
      binanceUrl: config.binanceUrl,
      symbol,
      interval,
      request,
      timeoutMs: config.timeoutMs,
      attempt: market.attempt,
    },
    onAnswer,
    log,
    { symbol, interval, startTime: request.startTime },
  );
  if (outcome.kind === 'rate-limited' || outcome.kind === 'banned') return;
  const context = { symbol, interval, startTime: request.startTime, latency: Date.now() - started };
  if (outcome.kind !== 'klines') {
    backOff(market, outcome.kind === 'fatal');
    log[outcome.kind === 'fatal' ? 'error' : 'warn'](
      { ...context, reason: outcome.reason, attempt: market.attempt },
      `Binance answer ${outcome.kind}; retrying after a backoff`,
    );
    return;
  }
  // Closed by Binance's clock; never the candle still open.
  const page = settle(interval, {
    request,
    now: clock.now(),
    ...(config.to === undefined ? {} : { to: config.to }),
  })(outcome);
  const settled = inOpenTimeOrder(page);
  if (!(await publish(market, settled, 'rest'))) return backOff(market);
  log.debug(
    { ...context, topic: market.topic, count: settled.length, cursor: page.cursor },
    'page published',
  );
  market.attempt = 0;
  // What a page in the past lacks, Binance does not have: a gap, reported once.
  gaps.note(market, missingRanges(interval, request.startTime, page.cursor, settled.map(openTimeOf)), false);
  // At the live edge with the newest closed candle not served yet: ask again shortly.
  market.dueAt = page.cursor === market.cursor ? Date.now() + closeMargin(interval) : Date.now();
  advance(market, page.cursor);
};
