import assert from 'node:assert/strict';
import { linesOf } from '../../../src/core/points/lineBodies.ts';
import { describe, it } from 'node:test';
import { defaultIndicatorConfig, enricher } from '../../../src/core/indicators/index.ts';
import type { MarketCandle } from '../../../src/core/kline/candle.ts';
import { encodeCandle } from '../../../src/core/kline/message.ts';
import { processBatch, type BatchResult, type InMessage } from '../../../src/core/pipeline/batch.ts';
import {
  behindState,
  rewoundStates,
  rewrite,
  unenriched,
  withRewrites,
  type StoredCandle,
} from '../../../src/core/pipeline/rewrite.ts';
import { readSnapshot, SNAPSHOT_MEASUREMENT, type SymbolState } from '../../../src/core/pipeline/snapshot.ts';
import { fifteenMinuteWeek } from '../../fixtures/binance.ts';

const e = enricher(defaultIndicatorConfig);
const week = fifteenMinuteWeek('BTCUSDC');
const ctx = { interval: '15m' as const, enricher: e, snapshotEvery: 60 };

let offset = 0;
const message = (c: MarketCandle): InMessage => {
  const m = encodeCandle(c, 'test');
  return { topic: 'prices-15m', partition: 0, offset: String(offset++), key: m.key, value: m.value };
};

const timeOf = (line: string): number => Number(line.slice(line.lastIndexOf(' ') + 1));
const isSnapshot = (line: string): boolean => line.startsWith(SNAPSHOT_MEASUREMENT);

/** The state a consumer reads back from a snapshot line's string fields. */
const throughSnapshot = (line: string): SymbolState => {
  const state = /state="((?:[^"\\]|\\.)*)"/.exec(line)?.[1]?.replace(/\\(.)/g, '$1');
  const r = readSnapshot(state, /last_open_time=(\d+)i/.exec(line)?.[1], e.isState);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

/** What the enriched bucket holds after a consumer ran over `candles` in batches of 50. */
type Bucket = {
  /** Enriched lines by open time (a later write of a time replaces the earlier). */
  readonly points: Map<number, string>;
  /** Snapshot lines by time. */
  readonly snapshots: Map<number, string>;
  states: Map<string, SymbolState>;
};

const emptyBucket = (): Bucket => ({ points: new Map(), snapshots: new Map(), states: new Map() });

const store = (bucket: Bucket, result: BatchResult): void => {
  for (const l of linesOf(result.enriched))
    (isSnapshot(l) ? bucket.snapshots : bucket.points).set(timeOf(l), l);
  for (const [s, st] of result.states) bucket.states.set(s, st);
};

const consume = (bucket: Bucket, candles: readonly MarketCandle[]): Bucket => {
  for (let i = 0; i < candles.length; i += 50)
    store(bucket, processBatch(candles.slice(i, i + 50).map(message), bucket.states, ctx));
  return bucket;
};

/** An enriched point as a Flux query returns it: the candle's fields as float64, as text. */
const asStored = (c: MarketCandle): StoredCandle => ({
  openTime: c.openTime,
  open: String(Number(c.open)),
  high: String(Number(c.high)),
  low: String(Number(c.low)),
  close: String(Number(c.close)),
  volume: String(Number(c.volume)),
  trades: c.trades,
});

/** The rewind the shell reads for `missing` from what `bucket` holds of the series `enrichedCandles`. */
const rewindOf = (
  bucket: Bucket,
  enrichedCandles: readonly MarketCandle[],
  missing: readonly MarketCandle[],
) => {
  const before = [...bucket.snapshots.keys()]
    .filter((t) => t < missing[0]!.openTime)
    .sort((a, b) => b - a)[0];
  const from = before === undefined ? undefined : throughSnapshot(bucket.snapshots.get(before)!);
  const after = from?.lastOpenTime ?? Number.NEGATIVE_INFINITY;
  return {
    from,
    stored: enrichedCandles.filter((c) => c.openTime > after && bucket.points.has(c.openTime)).map(asStored),
    snapshots: [...bucket.snapshots.keys()].filter((t) => t > after),
    missing,
  };
};

/**
 * A consumer that enriched `seen`, then receives a batch with `late` (older than its state) and `next`:
 * the batch processed as the consumer does it, rewinding the symbol when the late candles were never enriched.
 */
const lateBatch = (
  seen: readonly MarketCandle[],
  late: readonly MarketCandle[],
  next: readonly MarketCandle[],
) => {
  const bucket = consume(emptyBucket(), seen);
  const messages = [...late, ...next].map(message);
  const first = processBatch(messages, bucket.states, ctx);
  const behind = behindState(first.behind).get('BTCUSDC') ?? [];
  const missing = unenriched(behind, new Set(bucket.points.keys()));
  const r = rewrite(e, '15m', 'BTCUSDC', bucket.states.get('BTCUSDC')!, rewindOf(bucket, seen, missing));
  const rewrites = new Map([['BTCUSDC', r]]);
  const result = withRewrites(processBatch(messages, rewoundStates(bucket.states, rewrites), ctx), rewrites);
  return { bucket, behind, missing, rewrite: r, result };
};

describe('rewrite: candles that arrive behind a symbol state', () => {
  const hole = week.slice(300, 340);
  const withoutHole = [...week.slice(0, 300), ...week.slice(340, 600)];

  it('a repaired hole: every point after it and the state equal those of a run that never lacked it', () => {
    const { behind, missing, rewrite: r, result, bucket } = lateBatch(withoutHole, hole, week.slice(600));
    assert.equal(behind.length, 40);
    assert.deepEqual(missing, hole);
    assert.deepEqual(
      r.filled,
      hole.map((c) => c.openTime),
    );
    assert.ok(r.rewritten >= 260, `rewrote ${r.rewritten} points from the snapshot before the hole on`);

    const uninterrupted = consume(emptyBucket(), week);
    const afterHole = week[340]!.openTime;
    assert.notEqual(
      bucket.points.get(afterHole),
      uninterrupted.points.get(afterHole),
      'the hole changed the values after it',
    );
    store(bucket, result);
    assert.equal(bucket.points.size, week.length);
    for (const c of week)
      assert.equal(bucket.points.get(c.openTime), uninterrupted.points.get(c.openTime), `${c.openTime}`);
    assert.deepEqual(bucket.states.get('BTCUSDC')!.state, uninterrupted.states.get('BTCUSDC')!.state);
    assert.equal(bucket.states.get('BTCUSDC')!.lastOpenTime, week[week.length - 1]!.openTime);
  });

  it('overwrites every snapshot stored after the hole with the state an uninterrupted run had there', () => {
    const { bucket, rewrite: r } = lateBatch(withoutHole, hole, []);
    const stale = [...bucket.snapshots.keys()].filter((t) => t > hole[0]!.openTime);
    assert.ok(stale.length >= 2, 'snapshots were stored after the hole');
    const snapshots = new Map(r.lines.filter(isSnapshot).map((l) => [timeOf(l), throughSnapshot(l)]));
    let state = e.init;
    for (const c of week.slice(0, 600)) {
      state = e.step(state, c)[0];
      if (stale.includes(c.openTime))
        assert.deepEqual(snapshots.get(c.openTime)?.state, state, `${c.openTime}`);
    }
    assert.deepEqual(snapshots.get(week[599]!.openTime)?.state, state, 'and one at the state');
    assert.deepEqual(r.state.state, state);
  });

  it('writes the corrected points, then the snapshots, then the missing candles (a write cut short leaves some missing)', () => {
    const { rewrite: r } = lateBatch(withoutHole, hole, []);
    const kinds = r.lines.map((l) =>
      isSnapshot(l) ? 'snapshot' : hole.some((c) => c.openTime === timeOf(l)) ? 'filled' : 'rewritten',
    );
    const firstSnapshot = kinds.indexOf('snapshot');
    const firstFilled = kinds.indexOf('filled');
    assert.ok(firstSnapshot > 0 && firstFilled > firstSnapshot);
    assert.ok(kinds.slice(0, firstSnapshot).every((k) => k === 'rewritten'));
    assert.ok(kinds.slice(firstSnapshot, firstFilled).every((k) => k === 'snapshot'));
    assert.ok(kinds.slice(firstFilled).every((k) => k === 'filled'));
    assert.equal(kinds.filter((k) => k === 'filled').length, hole.length);
  });

  it('an earlier range backfilled after a later one: enriched from the start, as if it had come first', () => {
    const early = week.slice(0, 100);
    const { rewrite: r, result, bucket } = lateBatch(week.slice(100, 400), early, []);
    const uninterrupted = consume(emptyBucket(), week.slice(0, 400));
    assert.equal(r.filled.length, 100);
    store(bucket, result);
    for (const c of week.slice(0, 400))
      assert.equal(bucket.points.get(c.openTime), uninterrupted.points.get(c.openTime), `${c.openTime}`);
    assert.deepEqual(bucket.states.get('BTCUSDC')!.state, uninterrupted.states.get('BTCUSDC')!.state);
  });

  it('counts the filled candles as enriched and keeps the corrected state when the batch moves no further', () => {
    const { result, rewrite: r } = lateBatch(withoutHole, hole, []);
    assert.ok(result.stored.every((s) => s.enriched));
    assert.deepEqual(result.behind, [], 'the filled candles are no longer behind the state');
    assert.deepEqual(result.states.get('BTCUSDC'), r.state);
  });

  it('a batch delivered again holds nothing missing: behind its state, all enriched already', () => {
    const bucket = consume(emptyBucket(), week.slice(0, 200));
    const again = processBatch(week.slice(150, 200).map(message), bucket.states, ctx);
    const behind = behindState(again.behind);
    assert.equal(behind.get('BTCUSDC')?.length, 50);
    assert.deepEqual(unenriched(behind.get('BTCUSDC')!, new Set(bucket.points.keys())), []);
    assert.equal(withRewrites(again, new Map()), again);
  });

  it('finds nothing behind the state in a live batch', () => {
    const bucket = consume(emptyBucket(), week.slice(0, 200));
    assert.equal(
      behindState(processBatch(week.slice(200, 250).map(message), bucket.states, ctx).behind).size,
      0,
    );
  });
});
