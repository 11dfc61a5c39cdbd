import { backoffDelay } from '../../core/binance/budget.ts';
import { alignCursor, planPage, settlePage } from '../../core/binance/page.ts';
import { classifyKlines, type KlinesOutcome } from '../../core/binance/response.ts';
import { intervalMs, type Interval } from '../../core/kline/interval.ts';
import { encodeCandle } from '../../core/kline/message.ts';
import { publishingPartitions, type SymbolPartitions } from '../../core/kline/partitions.ts';
import { fetchedDeadLetter } from '../../core/pipeline/deadLetter.ts';
import { getKlines } from '../binance/client.ts';
import { gateOf, recordOutcome } from '../binance/gate.ts';
import {
  awaitKafka,
  dlqTopicOf,
  ensureTopics,
  intervalTopics,
  lastPublished,
  makeKafka,
  makeProducer,
  topicOf,
  type KafkaOptions,
} from '../kafka/client.ts';
import type { Logger } from '../observability/logger.ts';
import { metrics } from '../observability/metrics.ts';
import { sleep } from '../observability/sleep.ts';

export type ProducerConfig = KafkaOptions & {
  readonly symbols: readonly string[];
  readonly interval: Interval;
  readonly binanceUrl: string;
  /** Start of the backfill (ms). */
  readonly from: number;
  /** Whether `from` was asked for (else it is the default: `defaultBackfillFrom`, the indicators' warm-up). */
  readonly fromExplicit: boolean;
  /** Exclusive end of the open times to publish; without it the producer runs live. */
  readonly to?: number;
  readonly timeoutMs?: number;
  /** The partition of each symbol (the operator's assignment); without it, assigned in the order listed. */
  readonly symbolPartitions?: SymbolPartitions;
};

/** Per symbol: closed candles received, published, and rows rejected (sent to the dead-letter topic). */
export type SymbolCounts = { fetched: number; published: number; rejected: number };

type Cursor = { symbol: string; cursor: number; dueAt: number; attempt: number; done: boolean };

/** Margin after a candle's close before asking for it: Binance needs a moment to store it. */
const closeMargin = (interval: Interval): number => Math.min(2000, Math.max(250, intervalMs[interval] / 50));

/**
 * Where each symbol starts: a bounded run (`to`) starts at `from`; a live run resumes after the newest
 * candle in the topic when that is later than `from` (or when `from` was not given), so restarts
 * neither skip nor repeat.
 */
const startCursors = async (
  config: ProducerConfig,
  published: () => Promise<Map<string, number>>,
  now: number,
): Promise<Cursor[]> => {
  const step = intervalMs[config.interval];
  const from = alignCursor(config.interval, config.from);
  const last = config.to === undefined ? await published() : new Map<string, number>();
  return config.symbols.map((symbol) => {
    const resume = last.get(symbol);
    const cursor =
      resume === undefined ? from : config.fromExplicit ? Math.max(from, resume + step) : resume + step;
    return { symbol, cursor, dueAt: now, attempt: 0, done: false };
  });
};

/**
 * The producer loop: one cursor per symbol (the next open time to fetch). Backfill and live are the same
 * loop: fetch pages of closed candles from the cursor, publish them, advance; once caught up, sleep until
 * the next candle closes. Retry-After, the weight budget and backoff pace the requests; no answer of
 * Binance ends the loop. Returns the counts per symbol when `to` is reached or the signal aborts.
 */
export const runProducer = async (
  config: ProducerConfig,
  log: Logger,
  signal: AbortSignal,
  onReady: () => void = () => undefined,
): Promise<Map<string, SymbolCounts>> => {
  const m = metrics();
  const topic = topicOf(config.topicPrefix, config.interval);
  const dlqTopic = dlqTopicOf(topic);
  const interval = config.interval;
  const source = new URL(config.binanceUrl).host;
  const counts = new Map(config.symbols.map((s) => [s, { fetched: 0, published: 0, rejected: 0 }]));
  await awaitKafka(config.brokers, config.security, config.connectTimeoutMs, signal);
  if (signal.aborted) return counts;
  const kafka = makeKafka(config.brokers, `producer-${interval}`, log, config.security);
  const admin = kafka.admin();
  await admin.connect();
  let partitionOf: SymbolPartitions;
  try {
    const { data, dlq } = intervalTopics(config, interval);
    const created = await ensureTopics(admin, [data, dlq]);
    if (created.length > 0) log.info({ topics: created }, 'created the missing topics');
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = publishingPartitions(
      config.symbols,
      config.symbolPartitions,
      metadata.topics[0]?.partitions.length ?? 0,
    );
    if (!partitions.ok) throw new Error(`topic ${topic}: ${partitions.error}`);
    partitionOf = partitions.value;
    log.info({ topic, partitions: partitionOf }, "each symbol's partition");
  } finally {
    await admin.disconnect();
  }
  const producer = makeProducer(kafka);
  await producer.connect();
  try {
    const cursors = await startCursors(config, () => lastPublished(kafka, topic, config.symbols), Date.now());
    for (const c of cursors)
      log.info({ symbol: c.symbol, interval, topic, cursor: new Date(c.cursor).toISOString() }, 'start');
    onReady();
    const gate = gateOf(config.binanceUrl);
    while (!signal.aborted) {
      const active = cursors.filter((c) => !c.done);
      if (active.length === 0) break;
      const next = active.reduce((a, b) => (b.dueAt < a.dueAt ? b : a));
      const now = Date.now();
      const wake = Math.max(next.dueAt, gate.openAt);
      if (wake > now) {
        await sleep(wake - now, signal);
        continue;
      }
      const plan = planPage({
        interval,
        cursor: next.cursor,
        now,
        ...(config.to === undefined ? {} : { to: config.to }),
      });
      if (plan.kind === 'done') {
        next.done = true;
        log.info({ symbol: next.symbol, interval, topic }, 'range published');
        continue;
      }
      if (plan.kind === 'wait') {
        next.dueAt = plan.until + closeMargin(interval);
        continue;
      }
      const { request } = plan;
      const started = Date.now();
      const answer = await getKlines(config.binanceUrl, next.symbol, interval, request, config.timeoutMs);
      const outcome: KlinesOutcome = answer.ok
        ? classifyKlines(answer.value, interval, Date.now())
        : { kind: 'retryable', reason: answer.error };
      recordOutcome(gate, outcome, Date.now());
      m.binanceRequests.inc({ outcome: outcome.kind });
      if (outcome.usedWeight !== undefined) m.usedWeight.set(outcome.usedWeight);
      const context = {
        symbol: next.symbol,
        interval,
        startTime: request.startTime,
        latency: Date.now() - started,
      };
      if (outcome.kind !== 'klines') {
        if (outcome.kind === 'rate-limited' || outcome.kind === 'banned') {
          m.rateLimited.inc({ status: outcome.kind === 'banned' ? '418' : '429' });
          log.warn(
            { ...context, retryAfterMs: outcome.retryAfterMs },
            `Binance ${outcome.kind}: no request until Retry-After expires`,
          );
        } else {
          next.attempt += 1;
          next.dueAt =
            Date.now() +
            backoffDelay(
              next.attempt,
              Math.random(),
              outcome.kind === 'fatal' ? { baseMs: 30_000, maxMs: 300_000 } : undefined,
            );
          log[outcome.kind === 'fatal' ? 'error' : 'warn'](
            { ...context, reason: outcome.reason, attempt: next.attempt },
            `Binance answer ${outcome.kind}; retrying after a backoff`,
          );
        }
        continue;
      }
      const page = settlePage(interval, request, outcome, Date.now(), config.to);
      const candles = page.publish;
      const count = counts.get(next.symbol)!;
      count.fetched += candles.length;
      m.fetched.inc({ symbol: next.symbol, interval }, candles.length);
      if (candles.length > 0 || page.deadLetters.length > 0) {
        const market = { symbol: next.symbol, interval };
        try {
          // One request: the page's candles and its bad rows are published together or not at all.
          await producer.sendBatch({
            topicMessages: [
              {
                topic,
                messages: candles.map((c) => {
                  const msg = encodeCandle({ ...c, ...market }, source);
                  return {
                    key: msg.key,
                    value: msg.value,
                    headers: { ...msg.headers },
                    partition: partitionOf[next.symbol]!,
                  };
                }),
              },
              {
                topic: dlqTopic,
                messages: page.deadLetters.map((r) => {
                  const d = fetchedDeadLetter(r, market, source);
                  return { key: d.key, value: d.value, headers: { ...d.headers } };
                }),
              },
            ].filter((t) => t.messages.length > 0),
          });
        } catch (e) {
          next.attempt += 1;
          next.dueAt = Date.now() + backoffDelay(next.attempt, Math.random());
          log.error(
            { ...context, topic, err: e },
            'publishing failed; fetching the page again after a backoff',
          );
          continue;
        }
        count.published += candles.length;
        m.published.inc({ symbol: next.symbol, interval }, candles.length);
        for (const r of page.deadLetters) {
          count.rejected += 1;
          m.rejectedKlines.inc({ interval, field: r.problem.field ?? '' });
          log.warn(
            {
              ...context,
              openTime: new Date(r.openTime).toISOString(),
              field: r.problem.field,
              reason: r.problem.reason,
              row: r.row,
              topic: dlqTopic,
            },
            'invalid kline row from Binance sent to the dead-letter topic; the valid candles of its page are published',
          );
        }
      }
      const { cursor } = page;
      log.debug({ ...context, topic, count: candles.length, cursor }, 'page published');
      next.attempt = 0;
      // At the live edge with the newest closed candle not served yet: ask again shortly.
      next.dueAt = cursor === next.cursor ? Date.now() + closeMargin(interval) : Date.now();
      next.cursor = cursor;
    }
  } finally {
    await producer.disconnect();
  }
  return counts;
};
