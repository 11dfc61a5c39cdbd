import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Settled } from '../../../src/core/binance/live.ts';
import { planPage, settlePage, type PageRequest } from '../../../src/core/binance/page.ts';
import { classifyKlines, type RejectedRow } from '../../../src/core/binance/response.ts';
import type { Candle } from '../../../src/core/kline/candle.ts';
import { encodeCandle } from '../../../src/core/kline/message.ts';
import { fetchedDeadLetter } from '../../../src/core/pipeline/deadLetter.ts';
import {
  inOpenTimeOrder,
  pageRecords,
  recordsOfPage,
  settle,
  settledRecords,
  splitSettled,
  toRecords,
  type Rows,
} from '../../../src/core/pipeline/produce.ts';
import { dataPath } from '../../fixtures/binance.ts';

const M = 15 * 60_000;
const market = { symbol: 'BTCUSDC', interval: '15m' as const };
const source = 'data-api.binance.vision';

/** The recorded BTCUSDT 15m week as Binance served it, row 3 made invalid (high below low). */
const rows = (
  JSON.parse(
    readFileSync(dataPath('BTCUSDT', '15m', 'BTCUSDT-15m-week-2024-09-16.json'), 'utf8'),
  ) as unknown[][]
)
  .slice(0, 12)
  .map((row, i) => (i === 3 ? [row[0], row[1], '1.00000000', '2.00000000', ...row.slice(4)] : row));
const T0 = rows[0]![0] as number;

/** An answer of the 12 rows, as `classifyKlines` reads it. */
const received = (): Rows => {
  const outcome = classifyKlines(
    { status: 200, headers: {}, body: JSON.stringify(rows) },
    '15m',
    T0 + 100 * M,
  );
  assert.equal(outcome.kind, 'klines');
  return outcome as Rows;
};

const request = (now: number): PageRequest => {
  const plan = planPage({ interval: '15m', cursor: T0, now, pageSize: 12 });
  assert.equal(plan.kind, 'fetch');
  return (plan as { request: PageRequest }).request;
};

// Symbol and interval first: the key order of a market candle, which the consumer takes as it is.
const encoded = (c: Candle) => encodeCandle({ ...market, ...c }, source);
const deadLettered = (r: RejectedRow) => fetchedDeadLetter(r, market, source);

describe('pageRecords', () => {
  it('encodes the valid rows of a page as candle records and the bad one as a dead letter, in open-time order', () => {
    const now = T0 + 100 * M;
    const out = pageRecords(market, source, { request: request(now), now })(received());
    const { candles, rejected } = received();
    assert.deepEqual(out.candles, candles.map(encoded));
    assert.equal(out.candles.length, 11);
    assert.deepEqual(
      out.candles.map((m) => (JSON.parse(m.value) as Candle).openTime),
      [0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11].map((i) => T0 + i * M),
    );
    assert.deepEqual(out.deadLetters, rejected.map(deadLettered));
    assert.equal(out.deadLetters[0]!.headers['open-time'], String(T0 + 3 * M));
    assert.deepEqual(out.rejected, rejected);
    assert.equal(out.cursor, T0 + 12 * M);
  });

  it('publishes nothing still open at `now` nor at or after `to`, and moves the cursor as settlePage does', () => {
    const now = T0 + 8 * M - 1; // rows 0–6 closed at now; row 7 closes at now, so it is still open
    const at = { request: request(T0 + 100 * M), now, to: T0 + 6 * M };
    const out = pageRecords(market, source, at)(received());
    assert.deepEqual(
      out.candles.map((m) => (JSON.parse(m.value) as Candle).openTime),
      [0, 1, 2, 4, 5].map((i) => T0 + i * M),
    );
    assert.equal(out.deadLetters.length, 1);
    assert.equal(out.cursor, settlePage('15m', at.request, received(), now, at.to).cursor);
  });

  it('gives the records the publisher makes of the same page in open-time order (REST and streams agree)', () => {
    const now = T0 + 100 * M;
    const page = settle('15m', { request: request(now), now })(received());
    const { cursor, ...records } = recordsOfPage(market, source)(page);
    assert.equal(cursor, page.cursor);
    assert.deepEqual(settledRecords(market, source)(inOpenTimeOrder(page)), records);
  });
});

describe('the producer steps', () => {
  const candle = (i: number) => ({ openTime: T0 + i * M }) as Candle;
  const bad = (i: number): RejectedRow => ({ openTime: T0 + i * M, row: '[]', problem: { reason: 'x' } });

  it('settle is settlePage with the page context first', () => {
    const at = { request: request(T0 + 100 * M), now: T0 + 100 * M };
    assert.deepEqual(settle('15m', at)(received()), settlePage('15m', at.request, received(), at.now));
  });

  it('inOpenTimeOrder merges the candles and the rejected rows of a settled page by open time', () => {
    const entries = inOpenTimeOrder({
      publish: [candle(0), candle(2)],
      deadLetters: [bad(1), bad(3)],
      cursor: 0,
    });
    assert.deepEqual(
      entries.map((s) => [s.kind, (s.kind === 'candle' ? s.candle.openTime : s.row.openTime) - T0]),
      [
        ['candle', 0],
        ['rejected', M],
        ['candle', 2 * M],
        ['rejected', 3 * M],
      ],
    );
  });

  it('splitSettled sets the candles and the rejected rows apart, each in order', () => {
    const settled: Settled[] = [
      { kind: 'rejected', row: bad(0) },
      { kind: 'candle', candle: candle(1) },
      { kind: 'rejected', row: bad(2) },
      { kind: 'candle', candle: candle(3) },
    ];
    assert.deepEqual(splitSettled(settled), { candles: [candle(1), candle(3)], rejected: [bad(0), bad(2)] });
  });

  it('toRecords names the market and the source in every record', () => {
    const { candles, rejected } = received();
    const out = toRecords(market, source)({ candles: candles.slice(0, 1), rejected });
    assert.equal(out.candles[0]!.key, 'BTCUSDC');
    assert.deepEqual(out.candles[0]!.headers, { 'schema-version': '1', source });
    // A market candle's key order, symbol and interval first: the consumer takes such a record as it is.
    assert.deepEqual(Object.keys(JSON.parse(out.candles[0]!.value) as object), [
      'symbol',
      'interval',
      ...Object.keys(candles[0]!),
    ]);
    assert.equal(out.deadLetters[0]!.headers['source'], source);
    assert.equal(out.deadLetters[0]!.headers['error-field'], 'low');
  });
});
