import assert from 'node:assert/strict';
import { linesOf } from '../../../src/core/points/lineBodies.ts';
import { describe, it } from 'node:test';
import { defaultIndicatorConfig, enricher } from '../../../src/core/indicators/index.ts';
import type { MarketCandle } from '../../../src/core/kline/candle.ts';
import { encodeCandle } from '../../../src/core/kline/message.ts';
import { processBatch, type InMessage } from '../../../src/core/pipeline/batch.ts';
import {
  readSnapshot,
  replayed,
  replayRanges,
  snapshotLine,
  type StoredPrices,
  type SymbolState,
} from '../../../src/core/pipeline/snapshot.ts';
import { fifteenMinuteWeek } from '../../fixtures/binance.ts';

const e = enricher(defaultIndicatorConfig);
const btc = fifteenMinuteWeek('BTCUSDC');
const ctx = { interval: '15m' as const, enricher: e };

let offset = 0;
const message = (c: MarketCandle): InMessage => {
  const m = encodeCandle(c, 'test');
  return { topic: 'prices-15m', partition: 0, offset: String(offset++), key: m.key, value: m.value };
};

/** The state a consumer reads back from a snapshot line's string fields. */
const throughSnapshot = (line: string): SymbolState => {
  const field = (name: string) =>
    new RegExp(`${name}="((?:[^"\\\\]|\\\\.)*)"`).exec(line)?.[1]?.replace(/\\(.)/g, '$1');
  const time = /last_open_time=(\d+)i/.exec(line)?.[1];
  const r = readSnapshot(field('state'), time, e.isState, field('derive'));
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

/** An enriched point's prices as a query returns them: the float64 fields, as text. */
const asStored = (c: MarketCandle): StoredPrices => ({
  openTime: c.openTime,
  close: String(Number(c.close)),
  high: String(Number(c.high)),
  low: String(Number(c.low)),
});

describe('state snapshots', () => {
  it('round-trip through their line-protocol string field', () => {
    const out = processBatch(btc.slice(0, 60).map(message), new Map(), ctx);
    const state = out.states.get('BTCUSDC')!;
    assert.deepEqual(throughSnapshot(snapshotLine('BTCUSDC', '15m', state)), state);
  });

  it('refuse a state of another indicator configuration', () => {
    const other = enricher({ ...defaultIndicatorConfig, sma: [7] });
    const r = readSnapshot(JSON.stringify(other.init), 1, e.isState);
    assert.equal(r.ok, false);
  });
});

describe('replayed', () => {
  it('brings the newest snapshot up to the stored points: the state of an uninterrupted consumer', () => {
    let states = new Map<string, SymbolState>();
    let snapshot: string | undefined;
    const stored: StoredPrices[] = [];
    for (let i = 0; i < 480; i += 40) {
      const chunk = btc.slice(i, i + 40);
      const out = processBatch(chunk.map(message), states, { ...ctx, snapshotEvery: 150 });
      snapshot = linesOf(out.enriched).find((l) => l.startsWith('enricher_state')) ?? snapshot;
      stored.push(...chunk.map(asStored));
      states = new Map([...states, ...out.states]);
    }
    const memory = states.get('BTCUSDC')!;
    const fromSnapshot = throughSnapshot(snapshot!);
    assert.ok(fromSnapshot.lastOpenTime < memory.lastOpenTime, 'the newest snapshot is behind');
    const caughtUp = replayed(e, fromSnapshot, [...stored].reverse());
    assert.deepEqual(caughtUp.state, memory.state);
    assert.equal(caughtUp.lastOpenTime, memory.lastOpenTime);
    assert.equal(caughtUp.unsaved, memory.unsaved);

    // and the candles after it enrich exactly as they would have without the interruption
    const rest = btc.slice(480).map(message);
    const uninterrupted = processBatch(rest, states, ctx);
    const resumed = processBatch(rest, new Map([['BTCUSDC', caughtUp]]), ctx);
    assert.deepEqual(linesOf(resumed.enriched), linesOf(uninterrupted.enriched));
  });

  it('returns the state itself when nothing was stored after it', () => {
    const out = processBatch(btc.slice(0, 30).map(message), new Map(), ctx);
    const state = out.states.get('BTCUSDC')!;
    assert.equal(replayed(e, state, btc.slice(0, 30).map(asStored)), state);
    assert.equal(replayed(e, state, []), state);
  });
});

describe('replayRanges', () => {
  it('groups symbols whose states are close in time, so an old snapshot gets a range of its own', () => {
    const hour = 3_600_000;
    const since = new Map([
      ['XRPUSDC', 10 * hour],
      ['BTCUSDC', 1000 * hour],
      ['ETHUSDC', 1001 * hour],
      ['SOLUSDC', 1000 * hour],
    ]);
    assert.deepEqual(replayRanges(since, 2 * hour), [
      { start: 10 * hour, symbols: ['XRPUSDC'] },
      { start: 1000 * hour, symbols: ['BTCUSDC', 'SOLUSDC', 'ETHUSDC'] },
    ]);
    assert.deepEqual(replayRanges(new Map(), hour), []);
  });
});
