import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultIndicatorConfig, enricher } from '../../../src/core/indicators/index.ts';
import type { MarketCandle } from '../../../src/core/kline/candle.ts';
import { encodeCandle } from '../../../src/core/kline/message.ts';
import {
  batchStep,
  decodeRecord,
  decodeRecords,
  deriveGroup,
  enrichGroup,
  gatherPoints,
  groupBySymbol,
  keepState,
  snapshotPhase,
  processBatch,
  splitDeadLetters,
  toPoints,
  type BatchWriters,
  type EnrichedGroup,
  type GroupPoints,
  type InMessage,
} from '../../../src/core/pipeline/batch.ts';
import { deriver } from '../../../src/core/pipeline/derivation.ts';
import { lineWriter, linesOf } from '../../../src/core/points/lineBodies.ts';
import { snapshotLine, type SymbolState } from '../../../src/core/pipeline/snapshot.ts';
import { toLineProtocol } from '../../../src/core/points/lineProtocol.ts';
import { enrichedPoint, rawPoint } from '../../../src/core/points/point.ts';
import { fifteenMinuteWeek } from '../../fixtures/binance.ts';

const e = enricher(defaultIndicatorConfig);
const btc = fifteenMinuteWeek('BTCUSDC');
const eth = fifteenMinuteWeek('ETHUSDC');
const hourly = (() => {
  const d = deriver('15m', ['1h']);
  if (!d.ok) throw new Error(d.error);
  return d.value;
})();

let offset = 0;
const message = (c: MarketCandle): InMessage => {
  const m = encodeCandle(c, 'test');
  return { topic: 'prices-15m', partition: 0, offset: String(offset++), key: m.key, value: m.value };
};

/** The indicators of an uninterrupted run over `candles` from the enricher's initial state. */
const indicatorsOf = (candles: readonly MarketCandle[]) => {
  let s = e.init;
  return candles.map((c) => {
    const [next, out] = e.step(s, c);
    s = next;
    return out;
  });
};

/** A state after enriching `candles` from the initial state, as a batch keeps it. */
const stateAfter = (candles: readonly MarketCandle[], extra: Partial<SymbolState> = {}): SymbolState => ({
  state: candles.reduce((s, c) => e.step(s, c)[0], e.init),
  lastOpenTime: candles.at(-1)!.openTime,
  ...extra,
});

const openTimes = (candles: readonly MarketCandle[]) => candles.map((c) => c.openTime);

describe('decodeRecord', () => {
  const decode = decodeRecord('15m');

  it('reads a record into the candle it carries', () => {
    assert.deepEqual(decode(message(btc[0]!)), { ok: true, value: btc[0] });
  });

  it('turns a record without a value into a dead letter keeping the record', () => {
    const m = { ...message(btc[0]!), value: null };
    assert.deepEqual(decode(m), {
      ok: false,
      error: { message: m, problem: { reason: 'the record has no value' } },
    });
  });

  it('dead-letters a candle whose symbol is not the record key, naming the key', () => {
    const d = decode({ ...message(btc[0]!), key: 'ETHUSDC' });
    assert.equal(d.ok, false);
    assert.equal(!d.ok && d.error.problem.field, 'key');
  });

  it('dead-letters a candle of another interval than the topic', () => {
    const d = decodeRecord('1h')(message(btc[0]!));
    assert.equal(!d.ok && d.error.problem.field, 'interval');
  });

  it('reads records of schema version 1 and refuses another version clearly instead of misreading it', () => {
    assert.equal(decode({ ...message(btc[0]!), schemaVersion: '1' }).ok, true);
    const d = decode({ ...message(btc[0]!), schemaVersion: '2' });
    assert.deepEqual(!d.ok && d.error.problem, {
      reason: 'schema version "2" is not one this consumer reads (1)',
      field: 'schema-version',
    });
  });
});

describe('decodeRecords and splitDeadLetters', () => {
  it('keep the record order among the candles and among the dead letters', () => {
    const bad = { ...message(btc[9]!), value: '{' };
    const records = [message(btc[2]!), bad, message(eth[0]!), { ...bad, value: null }, message(btc[1]!)];
    const { candles, deadLetters } = splitDeadLetters(decodeRecords('15m')(records));
    assert.deepEqual(candles, [btc[2], eth[0], btc[1]]);
    assert.deepEqual(
      deadLetters.map((d) => d.message.value),
      ['{', null],
    );
  });
});

describe('groupBySymbol', () => {
  it('gives one group per symbol, in the order of their first candles, each in open-time order', () => {
    const deadLetters = [{ message: message(btc[0]!), problem: { reason: 'x' } }];
    const sorted = groupBySymbol({ candles: [eth[3]!, btc[1]!, eth[0]!, btc[0]!, eth[2]!], deadLetters });
    assert.deepEqual(
      sorted.groups.map((g) => [g.symbol, openTimes(g.candles)]),
      [
        ['ETHUSDC', openTimes([eth[0]!, eth[2]!, eth[3]!])],
        ['BTCUSDC', openTimes([btc[0]!, btc[1]!])],
      ],
    );
    assert.equal(sorted.deadLetters, deadLetters);
  });

  it('keeps records of one open time in batch order', () => {
    const copy = { ...btc[0]!, volume: '1.00000000' };
    const [group] = groupBySymbol({ candles: [btc[1]!, btc[0]!, copy], deadLetters: [] }).groups;
    assert.deepEqual(group!.candles, [btc[0], copy, btc[1]]);
  });
});

describe('enrichGroup', () => {
  it('enriches a symbol without a state from the enricher initial state', () => {
    const g = enrichGroup(e, new Map())({ symbol: 'BTCUSDC', candles: btc.slice(0, 40) });
    assert.deepEqual(g.indicators, indicatorsOf(btc.slice(0, 40)));
    assert.equal(g.before, undefined);
    assert.equal(g.enriched, 40);
    assert.equal(g.lastOpenTime, btc[39]!.openTime);
    assert.deepEqual(g.state, stateAfter(btc.slice(0, 40)).state);
  });

  it("continues after the symbol's state and leaves the candles it had seen unenriched", () => {
    const before = stateAfter(btc.slice(0, 30));
    const g = enrichGroup(
      e,
      new Map([['BTCUSDC', before]]),
    )({ symbol: 'BTCUSDC', candles: btc.slice(25, 40) });
    assert.deepEqual(g.indicators.slice(0, 5), [undefined, undefined, undefined, undefined, undefined]);
    assert.deepEqual(g.indicators.slice(5), indicatorsOf(btc.slice(0, 40)).slice(30));
    assert.equal(g.before, before);
    assert.equal(g.enriched, 10);
  });

  it('enriches only the first of two candles of one open time', () => {
    const g = enrichGroup(e, new Map())({ symbol: 'BTCUSDC', candles: [btc[0]!, btc[0]!, btc[1]!] });
    assert.deepEqual(
      g.indicators.map((i) => i !== undefined),
      [true, false, true],
    );
  });
});

describe('deriveGroup', () => {
  const enriched = enrichGroup(e, new Map())({ symbol: 'BTCUSDC', candles: btc.slice(0, 8) });

  it('without a deriver, passes the group on as it is', () => {
    assert.equal(deriveGroup(undefined)(enriched), enriched);
  });

  it('notes the coarser candle each enriched candle completes, from a fresh derivation state', () => {
    const g = deriveGroup(hourly)(enriched);
    assert.deepEqual(
      g.derivations!.map((d) => d!.derived.map((c) => [c.interval, c.openTime])),
      [[], [], [], [['1h', btc[0]!.openTime]], [], [], [], [['1h', btc[4]!.openTime]]],
    );
    assert.equal(g.derive!['1h']!.lastOpenTime, btc[7]!.openTime);
  });

  it('derives nothing from candles that were not enriched now', () => {
    const before = { ...stateAfter(btc.slice(0, 4)), derive: hourly.init };
    const g = deriveGroup(hourly)(
      enrichGroup(e, new Map([['BTCUSDC', before]]))({ symbol: 'BTCUSDC', candles: btc.slice(0, 8) }),
    );
    assert.deepEqual(
      g.derivations!.map((d) => d?.derived.length),
      [undefined, undefined, undefined, undefined, 0, 0, 0, 1],
    );
  });
});

describe('keepState', () => {
  const group = (before: SymbolState | undefined, enriched: number): EnrichedGroup => ({
    symbol: 'BTCUSDC',
    candles: [],
    indicators: [],
    before,
    enriched,
    state: e.init,
    lastOpenTime: 42,
  });

  it('keeps no state for a symbol of which nothing was enriched', () => {
    const kept = keepState(60, '15m')(group(stateAfter(btc.slice(0, 3)), 0));
    assert.equal(kept.next, undefined);
    assert.equal(kept.save, false);
  });

  it('saves the state of a symbol that had none, whatever snapshotEvery', () => {
    const kept = keepState(60, '15m')(group(undefined, 1));
    assert.deepEqual(kept.next, { state: e.init, lastOpenTime: 42 });
    assert.equal(kept.save, true);
  });

  it('counts candles enriched since the last snapshot until snapshotEvery is reached', () => {
    const before = stateAfter(btc.slice(0, 3), { unsaved: 50 });
    assert.deepEqual(keepState(60, '15m')(group(before, 9)).next, {
      state: e.init,
      lastOpenTime: 42,
      unsaved: 59,
    });
    const saved = keepState(60, '15m')(group(before, 10));
    assert.equal(saved.save, true);
    assert.deepEqual(saved.next, { state: e.init, lastOpenTime: 42 });
  });

  it('spreads snapshots over time: each symbol saves where its own boundary falls, at most every snapshotEvery candles', () => {
    const step = 1000;
    const at = (symbol: string, from: number, to: number, unsaved: number) =>
      keepState(
        60,
        '1s',
      )({
        ...group({ state: e.init, lastOpenTime: from * step, unsaved }, to - from),
        symbol,
        lastOpenTime: to * step,
      });
    const symbols = ['BTCUSDC', 'ETHUSDC', 'XRPUSDC', 'SOLUSDC', 'BNBUSDC', 'ADAUSDC'];
    // One candle a second from second 600 on: the second at which each symbol saves first.
    const firstSave = symbols.map((symbol) => {
      let unsaved = 0;
      for (let t = 601; t <= 700; t++) {
        const kept = at(symbol, t - 1, t, unsaved);
        if (kept.save) return t;
        unsaved = kept.next!.unsaved!;
      }
      return undefined;
    });
    assert.ok(
      firstSave.every((t) => t !== undefined && t <= 660),
      JSON.stringify(firstSave),
    );
    assert.ok(new Set(firstSave).size >= 4, `saves spread: ${JSON.stringify(firstSave)}`);
    for (const symbol of symbols) {
      const phase = snapshotPhase(symbol, 60);
      assert.ok(phase >= 0 && phase < 60);
      // The boundary: (second + phase) a multiple of 60.
      const t = firstSave[symbols.indexOf(symbol)]!;
      assert.equal((t + phase) % 60, 0, symbol);
    }
  });

  it('keeps the derivation state with the indicator state', () => {
    const kept = keepState(1, '15m')({ ...group(undefined, 1), derive: hourly.init });
    assert.deepEqual(kept.next, { state: e.init, lastOpenTime: 42, derive: hourly.init });
  });
});

describe('toPoints', () => {
  // btc[0] twice (the copy is not enriched again); btc[3] completes the first hour
  const candles = [btc[0]!, btc[0]!, btc[1]!, btc[2]!, btc[3]!];
  const kept = keepState(
    1,
    '15m',
  )(deriveGroup(hourly)(enrichGroup(e, new Map())({ symbol: 'BTCUSDC', candles })));
  const out = { raw: lineWriter(), enriched: lineWriter() };
  const points = toPoints('15m', out)(kept);
  const rawLines = linesOf(out.raw.bodies());
  const enrichedLines = linesOf(out.enriched.bodies());
  const indicators = indicatorsOf(btc.slice(0, 4));

  it('writes a raw point per candle and an enriched point per candle enriched now', () => {
    assert.deepEqual(
      rawLines.slice(0, 5),
      candles.map((c) => toLineProtocol(rawPoint(c))),
    );
    assert.deepEqual(
      enrichedLines,
      [0, 1, 2, 3].map((i) => toLineProtocol(enrichedPoint(btc[i]!, indicators[i]!))),
    );
    assert.deepEqual(
      points.stored,
      candles.map((c, i) => ({ symbol: 'BTCUSDC', openTime: c.openTime, enriched: i !== 1 })),
    );
    assert.deepEqual(points.behind, [btc[0]]);
  });

  it('gives what alert rules read of the candles enriched now only when asked (`alerting`)', () => {
    assert.deepEqual(points.alerting, []);
    const alerting = toPoints('15m', { raw: lineWriter(), enriched: lineWriter() }, true)(kept).alerting;
    assert.deepEqual(
      alerting,
      [0, 1, 2, 3].map((i) => {
        const { symbol, interval, openTime, close, volume } = btc[i]!;
        return { symbol, interval, openTime, close, volume, indicators: indicators[i]! };
      }),
    );
  });

  it('writes a derived candle right after the raw point of the candle that completed it', () => {
    assert.equal(points.derived.length, 1);
    const hour = points.derived[0]!;
    assert.deepEqual([hour.interval, hour.openTime], ['1h', btc[0]!.openTime]);
    assert.equal(rawLines.length, 6);
    assert.equal(
      rawLines[5],
      toLineProtocol({ ...rawPoint(hour), tags: { coin: 'BTCUSDC', interval: '1h', type: 'derived' } }),
    );
  });

  it('gives the state to keep and its snapshot line when one is due, none when nothing was enriched', () => {
    assert.deepEqual(points.next, kept.next);
    assert.equal(points.snapshot, snapshotLine('BTCUSDC', '15m', kept.next!));
    const replay = enrichGroup(e, new Map([['BTCUSDC', kept.next!]]))({ symbol: 'BTCUSDC', candles });
    const noneOut = { raw: lineWriter(), enriched: lineWriter() };
    const none = toPoints('15m', noneOut)(keepState(1, '15m')(replay));
    assert.equal(none.snapshot, undefined);
    assert.equal(none.next, undefined);
    assert.deepEqual(noneOut.enriched.bodies(), { bodies: [], lines: 0 });
    assert.equal(noneOut.raw.bodies().lines, 5);
  });
});

describe('gatherPoints', () => {
  const points = (out: BatchWriters, symbol: string, snapshot?: string): GroupPoints => {
    out.raw.text(`${symbol} raw`);
    out.raw.endLine();
    out.enriched.text(`${symbol} enriched`);
    out.enriched.endLine();
    return pointsOf(symbol, snapshot);
  };
  const pointsOf = (symbol: string, snapshot?: string): GroupPoints => ({
    symbol,
    ...(snapshot === undefined ? {} : { snapshot, next: stateAfter(btc.slice(0, 1)) }),
    stored: [],
    behind: [],
    alerting: [],
    derived: [],
    derivationEvents: [],
  });

  it('joins the symbols one after another, the snapshots after every enriched point', () => {
    const perSymbol =
      (out: BatchWriters) =>
      ({ symbol }: { symbol: string }) =>
        points(out, symbol, symbol === 'ETHUSDC' ? undefined : `${symbol} snapshot`);
    const out = gatherPoints(perSymbol)({
      deadLetters: [],
      groups: [
        { symbol: 'BTCUSDC', candles: [] },
        { symbol: 'ETHUSDC', candles: [] },
        { symbol: 'SOLUSDC', candles: [] },
      ],
    });
    assert.deepEqual(linesOf(out.raw), ['BTCUSDC raw', 'ETHUSDC raw', 'SOLUSDC raw']);
    assert.deepEqual(linesOf(out.enriched), [
      'BTCUSDC enriched',
      'ETHUSDC enriched',
      'SOLUSDC enriched',
      'BTCUSDC snapshot',
      'SOLUSDC snapshot',
    ]);
    assert.deepEqual([...out.states.keys()], ['BTCUSDC', 'SOLUSDC']);
  });
});

describe('batchStep', () => {
  it('is processBatch', () => {
    const messages = btc
      .slice(0, 20)
      .flatMap((b, i) => [message(b), message(eth[i]!), { ...message(b), value: null }]);
    const states = new Map([['BTCUSDC', stateAfter(btc.slice(0, 5))]]);
    const ctx = { interval: '15m' as const, enricher: e, deriver: hourly, snapshotEvery: 10 };
    assert.deepEqual(batchStep(ctx, states)(messages), processBatch(messages, states, ctx));
  });
});
