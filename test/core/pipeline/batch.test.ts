import assert from 'node:assert/strict';
import { linesOf } from '../../../src/core/points/lineBodies.ts';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { defaultIndicatorConfig, enricher } from '../../../src/core/indicators/index.ts';
import type { Candle, MarketCandle } from '../../../src/core/kline/candle.ts';
import type { Interval } from '../../../src/core/kline/interval.ts';
import { encodeCandle } from '../../../src/core/kline/message.ts';
import {
  batchSymbols,
  processBatch,
  snapshotPhase,
  type InMessage,
} from '../../../src/core/pipeline/batch.ts';
import { enrichedPoint, rawPoint } from '../../../src/core/points/point.ts';
import { toLineProtocol } from '../../../src/core/points/lineProtocol.ts';
import { malformedFields, seriesWithCopies, type Malformed } from '../../fixtures/arbitraries.ts';
import { fifteenMinuteWeek } from '../../fixtures/binance.ts';

const e = enricher(defaultIndicatorConfig);
const btc = fifteenMinuteWeek('BTCUSDC');
const eth = fifteenMinuteWeek('ETHUSDC');

let offset = 0;
const message = (c: MarketCandle): InMessage => {
  const m = encodeCandle(c, 'test');
  return { topic: 'prices-15m', partition: 0, offset: String(offset++), key: m.key, value: m.value };
};

/** What an uninterrupted run writes to the enriched bucket for a series (without snapshots). */
const expectedEnriched = (candles: readonly MarketCandle[]): string[] => {
  let s = e.init;
  return candles.map((c) => {
    const [next, indicators] = e.step(s, c);
    s = next;
    return toLineProtocol(enrichedPoint(c, indicators));
  });
};

const ctx = { interval: '15m' as const, enricher: e };
const withoutSnapshots = (lines: readonly string[]) => lines.filter((l) => !l.startsWith('enricher_state'));

describe('processBatch', () => {
  it('writes one raw and one enriched point per candle and a state snapshot per symbol', () => {
    const messages = btc.slice(0, 50).flatMap((b, i) => [message(b), message(eth[i]!)]);
    const out = processBatch(messages, new Map(), ctx);
    assert.equal(linesOf(out.raw).length, 100);
    assert.deepEqual(
      linesOf(out.raw).filter((l) => l.includes('coin=BTCUSDC')),
      btc.slice(0, 50).map((c) => toLineProtocol(rawPoint(c))),
    );
    assert.deepEqual(
      withoutSnapshots(linesOf(out.enriched)).filter((l) => l.includes('coin=ETHUSDC')),
      expectedEnriched(eth.slice(0, 50)),
    );
    assert.equal(linesOf(out.enriched).filter((l) => l.startsWith('enricher_state')).length, 2);
    assert.equal(out.states.get('BTCUSDC')?.lastOpenTime, btc[49]!.openTime);
    assert.deepEqual(out.deadLetters, []);
  });

  it('gives the same enriched points split into batches as in one batch, replays included', () => {
    let states = new Map();
    const lines: string[] = [];
    const chunks = [btc.slice(0, 100), btc.slice(80, 300), btc.slice(300)];
    for (const chunk of chunks) {
      const out = processBatch(chunk.map(message), states, ctx);
      lines.push(...withoutSnapshots(linesOf(out.enriched)));
      states = new Map([...states, ...out.states]);
    }
    assert.deepEqual(lines, expectedEnriched(btc));
  });

  it("saves a symbol's state at its first batch, then in each batch that reaches the symbol's own boundary", () => {
    let states = new Map();
    const saved: boolean[] = [];
    const lines: string[] = [];
    for (let i = 0; i < 180; i += 30) {
      const out = processBatch(btc.slice(i, i + 30).map(message), states, { ...ctx, snapshotEvery: 100 });
      saved.push(linesOf(out.enriched).some((l) => l.startsWith('enricher_state')));
      lines.push(...withoutSnapshots(linesOf(out.enriched)));
      states = new Map([...states, ...out.states]);
    }
    // The boundary: a candle whose index (open time / 15 min) plus the symbol's phase is a multiple of 100.
    const phase = snapshotPhase('BTCUSDC', 100);
    const boundary = (c: MarketCandle) => (c.openTime / 900_000 + phase) % 100 === 0;
    const expected = [0, 30, 60, 90, 120, 150].map((i, k) => k === 0 || btc.slice(i, i + 30).some(boundary));
    assert.deepEqual(saved, expected);
    assert.equal(saved.filter(Boolean).length, 3, 'the first batch and two boundaries in 180 candles');
    const lastBoundary = btc.slice(0, 180).findLastIndex(boundary);
    assert.equal(states.get('BTCUSDC').unsaved ?? 0, 179 - lastBoundary);
    assert.deepEqual(lines, expectedEnriched(btc.slice(0, 180)));
  });

  it('rewrites only the raw point of a candle the state has already seen', () => {
    const first = processBatch(btc.slice(0, 30).map(message), new Map(), ctx);
    const replay = processBatch(btc.slice(20, 30).map(message), first.states, ctx);
    assert.equal(linesOf(replay.raw).length, 10);
    assert.deepEqual(linesOf(replay.enriched), []);
    assert.equal(replay.states.size, 0);
    assert.ok(replay.stored.every((s) => !s.enriched));
  });

  it('dead-letters invalid records with a reason and still processes the valid ones', () => {
    const good = message(btc[0]!);
    const bad: InMessage[] = [
      { ...good, offset: '900', value: '{"symbol":"BTCUSDC"' },
      { ...good, offset: '901', value: null },
      { ...good, offset: '902', value: JSON.stringify({ ...btc[1]!, high: '1.00000000' }) },
      { ...good, offset: '903', key: 'ETHUSDC' },
      { ...good, offset: '904', value: JSON.stringify({ ...btc[1]!, interval: '1h' }) },
    ];
    const out = processBatch([...bad, good], new Map(), ctx);
    assert.equal(linesOf(out.raw).length, 1);
    assert.deepEqual(
      out.deadLetters.map((d) => [d.message.offset, d.problem.field]),
      [
        ['900', undefined],
        ['901', undefined],
        ['902', 'low'],
        ['903', 'key'],
        ['904', 'interval'],
      ],
    );
    assert.ok(out.deadLetters.every((d) => d.problem.reason.length > 0));
  });

  it('lists the symbols named by a batch', () => {
    assert.deepEqual(batchSymbols([message(btc[0]!), message(eth[0]!), message(btc[1]!)]), [
      'BTCUSDC',
      'ETHUSDC',
    ]);
  });
});

describe('processBatch on valid records mixed with malformed copies (property)', () => {
  const interval = '15m' as const;
  const symbol = 'BTCUSDC';
  const record = (value: unknown, i: number): InMessage => ({
    topic: 'prices-15m',
    partition: 0,
    offset: String(i),
    key: symbol,
    value: JSON.stringify(value),
  });
  /** Copies with a bad candle, and with a well-formed candle of another interval in this topic. */
  const malformed = (i: Interval, c: Candle): fc.Arbitrary<Malformed> =>
    fc.oneof(
      malformedFields(i, c),
      fc.constant<Malformed>({
        kind: 'another interval',
        fields: ['interval'],
        row: [],
        value: { ...c, closeTime: c.openTime + 3_600_000 - 1 },
      }),
    );
  const mixed = seriesWithCopies(interval, malformed).chain(({ candles, copies }) => {
    const records: { value: object; valid: boolean; fields?: readonly string[] }[] = [
      ...candles.map((c) => ({ value: { symbol, interval, ...c }, valid: true })),
      ...copies.map(({ copy }) => ({
        value: { symbol, interval: copy.kind === 'another interval' ? '1h' : interval, ...copy.value },
        valid: false,
        fields: copy.fields,
      })),
    ];
    return fc.shuffledSubarray(records, { minLength: records.length, maxLength: records.length });
  });

  it('stores and enriches the valid candles as without the copies, and dead-letters every copy, saying why', () => {
    fc.assert(
      fc.property(mixed, (records) => {
        const messages = records.map((r, i) => record(r.value, i));
        const valid = messages.filter((_, i) => records[i]!.valid);
        const out = processBatch(messages, new Map(), { ...ctx, interval });
        const alone = processBatch(valid, new Map(), { ...ctx, interval });
        assert.deepEqual(linesOf(out.raw), linesOf(alone.raw));
        assert.deepEqual(linesOf(out.enriched), linesOf(alone.enriched));
        assert.deepEqual(out.states, alone.states);
        assert.deepEqual(
          out.deadLetters.map((d) => d.message),
          messages.filter((_, i) => !records[i]!.valid),
        );
        out.deadLetters.forEach((d) => {
          const { fields } = records[Number(d.message.offset)]!;
          assert.ok(d.problem.reason.length > 0);
          assert.ok(fields!.includes(d.problem.field ?? ''), `${d.problem.field}: ${d.problem.reason}`);
        });
      }),
    );
  });
});
