import assert from 'node:assert/strict';
import { linesOf } from '../../../src/core/points/lineBodies.ts';
import { describe, it } from 'node:test';
import { defaultIndicatorConfig, enricher } from '../../../src/core/indicators/index.ts';
import type { MarketCandle } from '../../../src/core/kline/candle.ts';
import { encodeCandle } from '../../../src/core/kline/message.ts';
import { processBatch, type InMessage } from '../../../src/core/pipeline/batch.ts';
import {
  candleKey,
  derivationPlan,
  deriver,
  differingFields,
} from '../../../src/core/pipeline/derivation.ts';
import { readSnapshot, snapshotLine, type SymbolState } from '../../../src/core/pipeline/snapshot.ts';
import { rawPoint } from '../../../src/core/points/point.ts';
import { fifteenMinuteWeek, readCandles } from '../../fixtures/binance.ts';

const WEEK = { from: Date.UTC(2024, 8, 16), to: Date.UTC(2024, 8, 23) };
const btc15m = fifteenMinuteWeek('BTCUSDC');
/** Binance's own 1h candles of the same week. */
const btc1h: MarketCandle[] = readCandles('BTCUSDT', '1h', 'BTCUSDT-1h-2024-09.json')
  .filter((c) => c.openTime >= WEEK.from && c.openTime < WEEK.to)
  .map((c) => ({ ...c, symbol: 'BTCUSDC', interval: '1h' as const }));

const derive = (() => {
  const d = deriver('15m', ['1h']);
  if (!d.ok) throw new Error(d.error);
  return d.value;
})();

let offset = 0;
const message = (c: MarketCandle): InMessage => {
  const m = encodeCandle(c, 'test');
  return { topic: 'prices-15m', partition: 0, offset: String(offset++), key: m.key, value: m.value };
};
const ctx = { interval: '15m' as const, enricher: enricher(defaultIndicatorConfig), deriver: derive };

/** A state as a consumer reads it back from InfluxDB: through the snapshot line's string fields. */
const throughSnapshot = (s: SymbolState): SymbolState => {
  const line = snapshotLine('BTCUSDC', '15m', s);
  const field = (name: string) =>
    new RegExp(`${name}="((?:[^"\\\\]|\\\\.)*)"`).exec(line)?.[1]?.replace(/\\(.)/g, '$1');
  const r = readSnapshot(field('state'), String(s.lastOpenTime), ctx.enricher.isState, field('derive'));
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

describe('deriver', () => {
  it('derives from 15m candles exactly the 1h candles Binance publishes, digit for digit', () => {
    let state = derive.init;
    const derived: MarketCandle[] = [];
    for (const c of btc15m) {
      const [next, out] = derive.step(state, c);
      state = next;
      derived.push(...out.derived);
      assert.deepEqual(out.events, []);
    }
    assert.equal(derived.length, 168);
    assert.deepEqual(derived, btc1h);
  });

  it('refuses a target that is not a whole multiple of the source, or the source itself', () => {
    assert.deepEqual(deriver('1h', ['15m']).ok, false);
    assert.deepEqual(deriver('15m', ['15m']).ok, false);
  });

  it('reports a bucket with a missing candle instead of deriving it', () => {
    let state = derive.init;
    const events = [];
    const derived = [];
    for (const c of [...btc15m.slice(0, 5), ...btc15m.slice(6, 12)]) {
      const [next, out] = derive.step(state, c);
      state = next;
      events.push(...out.events.map((e) => e.event.kind));
      derived.push(...out.derived);
    }
    assert.deepEqual(events, ['gap', 'incomplete']);
    assert.deepEqual(derived, [btc1h[0], btc1h[2]]);
  });

  it('fits a restored state: unknown targets dropped, missing or malformed ones empty', () => {
    assert.deepEqual(derive.fit(undefined), derive.init);
    assert.deepEqual(derive.fit({ '1d': { lastOpenTime: 1, bucket: null }, '1h': 'x' }), derive.init);
    const seen = { '1h': { lastOpenTime: 7, bucket: null } };
    assert.deepEqual(derive.fit(seen, 7), seen);
    assert.deepEqual(derive.fit(seen, 8), derive.init, 'a state older than the newest candle');
  });
});

describe('processBatch with a deriver', () => {
  it('writes derived 1h points as raw-bucket lines and derives across batches split mid-hour, through snapshots', () => {
    let states = new Map<string, SymbolState>();
    const derived: MarketCandle[] = [];
    const lines: string[] = [];
    for (const chunk of [btc15m.slice(0, 13), btc15m.slice(10, 301), btc15m.slice(301)]) {
      const out = processBatch(chunk.map(message), states, ctx);
      derived.push(...out.derived);
      lines.push(...linesOf(out.raw).filter((l) => l.includes('type=derived')));
      assert.deepEqual(out.derivationEvents, []);
      states = new Map([
        ...states,
        ...[...out.states].map(([k, s]): [string, SymbolState] => [k, throughSnapshot(s)]),
      ]);
    }
    assert.deepEqual(derived, btc1h);
    assert.equal(lines.length, 168);
    assert.ok(lines[0]!.startsWith('kline,coin=BTCUSDC,interval=1h,type=derived open='), lines[0]);
  });
});

describe('differingFields', () => {
  const stored = (c: MarketCandle) =>
    Object.fromEntries(Object.entries(rawPoint(c).fields).map(([k, f]) => [k, f.value]));
  it('is empty when the exchange candle as stored agrees, and names the fields that differ', () => {
    assert.deepEqual(differingFields(btc1h[0]!, stored(btc1h[0]!)), []);
    assert.deepEqual(differingFields(btc1h[0]!, { ...stored(btc1h[0]!), volume: 1, trades: 2 }), [
      'volume',
      'trades',
    ]);
    assert.deepEqual(differingFields(btc1h[0]!, {}), ['open', 'high', 'low', 'close', 'volume', 'trades']);
  });
  it('keys candles by market and open time', () => {
    assert.equal(candleKey(btc1h[0]!), `BTCUSDC/1h/${WEEK.from}`);
  });
});

describe('derivationPlan', () => {
  it('derives every listed interval from the nearest finer listed interval that divides it', () => {
    assert.deepEqual(
      derivationPlan(['1s', '1m', '15m', '1h', '1d']),
      new Map([
        ['1s', ['1m']],
        ['1m', ['15m']],
        ['15m', ['1h']],
        ['1h', ['1d']],
      ]),
    );
    assert.deepEqual(derivationPlan(['1d', '15m']), new Map([['15m', ['1d']]]));
    assert.deepEqual(derivationPlan(['1h']), new Map());
  });
});
