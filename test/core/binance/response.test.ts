import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  classifyKlines,
  DEFAULT_RETRY_AFTER_MS,
  placeByNeighbours,
} from '../../../src/core/binance/response.ts';
import { intervals } from '../../../src/core/kline/interval.ts';
import { toRestRow } from '../../../src/core/kline/rest.ts';
import { candleSeries, malformedRow } from '../../fixtures/arbitraries.ts';
import { dataPath } from '../../fixtures/binance.ts';

const NOW = Date.UTC(2026, 0, 1);
const body = readFileSync(dataPath('BTCUSDT', '15m', 'BTCUSDT-15m-week-2024-09-16.json'), 'utf8');
const answer = (status: number, text: string, headers: Record<string, string> = {}) => ({
  status,
  body: text,
  headers,
});

describe('classifyKlines', () => {
  it('reads a real klines body and the used weight', () => {
    const outcome = classifyKlines(answer(200, body, { 'x-mbx-used-weight-1m': '42' }), '15m', NOW);
    assert.equal(outcome.kind, 'klines');
    if (outcome.kind !== 'klines') return;
    assert.equal(outcome.candles.length, 672);
    assert.equal(outcome.usedWeight, 42);
    assert.equal(outcome.candles[0]?.open, '59132.00000000');
  });

  it('honours Retry-After on 429 and 418, in seconds', () => {
    const limited = classifyKlines(answer(429, '{"code":-1003}', { 'retry-after': '7' }), '15m', NOW);
    assert.deepEqual(limited, { kind: 'rate-limited', retryAfterMs: 7000 });
    const banned = classifyKlines(answer(418, '{"code":-1003}', { 'retry-after': '120' }), '15m', NOW);
    assert.deepEqual(banned, { kind: 'banned', retryAfterMs: 120_000 });
  });

  it('reads the ban end from a 418 message when Retry-After is missing, else waits the default', () => {
    const msg = `{"code":-1003,"msg":"Way too many requests; IP banned until ${NOW + 90_000}."}`;
    assert.deepEqual(classifyKlines(answer(418, msg), '15m', NOW), { kind: 'banned', retryAfterMs: 90_000 });
    assert.deepEqual(classifyKlines(answer(429, ''), '15m', NOW), {
      kind: 'rate-limited',
      retryAfterMs: DEFAULT_RETRY_AFTER_MS,
    });
  });

  it('retries 5xx, a WAF 403 (HTML), truncated and malformed bodies', () => {
    for (const [status, text] of [
      [500, '{"code":-1008,"msg":"Server is currently overloaded"}'],
      [503, ''],
      [403, '<!DOCTYPE HTML PUBLIC><HTML>Request blocked.</HTML>'],
      [200, body.slice(0, 500)],
      [200, '{"not":"an array"}'],
      [200, '[[1,"x"]]'],
    ] as const)
      assert.equal(
        classifyKlines(answer(status, text), '15m', NOW).kind,
        'retryable',
        `${status} ${text.slice(0, 20)}`,
      );
  });

  it('retries a body with candles of another interval or out of order', () => {
    assert.equal(classifyKlines(answer(200, body), '1h', NOW).kind, 'retryable');
    const rows = JSON.parse(body) as unknown[];
    assert.equal(
      classifyKlines(answer(200, JSON.stringify([rows[1], rows[0]])), '15m', NOW).kind,
      'retryable',
    );
  });

  it('gives up on other 4xx', () => {
    const outcome = classifyKlines(answer(400, '{"code":-1121,"msg":"Invalid symbol."}'), '15m', NOW);
    assert.equal(outcome.kind, 'fatal');
  });
});

describe('classifyKlines: bad rows of known open time', () => {
  const rows = JSON.parse(body) as unknown[][];
  const page = (bad: (row: unknown[]) => unknown[], at: number) =>
    JSON.stringify(rows.slice(0, 5).map((r, i) => (i === at ? bad([...r]) : r)));

  it('keeps the valid candles and rejects a row with a non-numeric price, naming its open time and field', () => {
    const text = page((r) => ((r[4] = 'NaN'), r), 2);
    const outcome = classifyKlines(answer(200, text), '15m', NOW);
    assert.equal(outcome.kind, 'klines');
    if (outcome.kind !== 'klines') return;
    assert.deepEqual(
      outcome.candles.map((c) => c.openTime),
      [0, 1, 3, 4].map((i) => rows[i]![0]),
    );
    assert.equal(outcome.rejected.length, 1);
    const [bad] = outcome.rejected;
    assert.equal(bad?.openTime, rows[2]![0]);
    assert.equal(bad?.problem.field, 'close');
    assert.deepEqual(JSON.parse(bad!.row), [...rows[2]!.slice(0, 4), 'NaN', ...rows[2]!.slice(5)]);
  });

  it('rejects a row whose high is below its low, and one whose close time is not the interval', () => {
    const text = JSON.stringify(
      rows
        .slice(0, 3)
        .map((r, i) =>
          i === 0
            ? [r[0], r[1], '1.00000000', '2.00000000', ...r.slice(4)]
            : i === 1
              ? [...r.slice(0, 6), Number(r[6]) + 1, ...r.slice(7)]
              : r,
        ),
    );
    const outcome = classifyKlines(answer(200, text), '15m', NOW);
    assert.equal(outcome.kind, 'klines');
    if (outcome.kind !== 'klines') return;
    assert.deepEqual(
      outcome.rejected.map((r) => [r.openTime, r.problem.field]),
      [
        [rows[0]![0], 'low'],
        [rows[1]![0], 'closeTime'],
      ],
    );
    assert.deepEqual(
      outcome.candles.map((c) => c.openTime),
      [rows[2]![0]],
    );
  });

  it('still retries a page with a row it cannot place: no open time, an unaligned one, or out of order', () => {
    for (const text of [
      page((r) => ['x', ...r], 1),
      page((r) => ((r[0] = 'x'), r), 1),
      page((r) => ((r[0] = Number(r[0]) + 1), r), 1),
      page((r) => ((r[0] = rows[0]![0]), (r[4] = 'NaN'), r), 1),
      page(() => ({ not: 'a row' }) as unknown as unknown[], 1),
    ])
      assert.equal(classifyKlines(answer(200, text), '15m', NOW).kind, 'retryable', text.slice(0, 300));
  });
});

describe('classifyKlines: rows of the wrong length', () => {
  const rows = JSON.parse(body) as unknown[][];

  it('dead-letters a row of 11 or 13 elements at its open time and never reads it as a candle', () => {
    for (const bad of [rows[1]!.slice(0, 11), [...rows[1]!, '0']]) {
      const outcome = classifyKlines(answer(200, JSON.stringify([rows[0], bad, rows[2]])), '15m', NOW);
      assert.equal(outcome.kind, 'klines');
      if (outcome.kind !== 'klines') return;
      assert.deepEqual(
        outcome.candles.map((c) => c.openTime),
        [rows[0]![0], rows[2]![0]],
      );
      assert.deepEqual(
        outcome.rejected.map((r) => [r.openTime, r.problem.reason]),
        [[rows[1]![0], `a kline row has 12 elements, this one has ${bad.length}`]],
      );
    }
  });
});

describe('classifyKlines on a page with malformed rows (property)', () => {
  const page = fc.constantFrom(...intervals).chain((interval) =>
    fc
      .integer({ min: 1, max: 6 })
      .chain((length) => candleSeries(interval, length))
      .chain((candles) =>
        fc.record({
          interval: fc.constant(interval),
          rows: fc.tuple(
            ...candles.map((candle) =>
              fc.record({
                candle: fc.constant(candle),
                bad: fc.option(malformedRow(interval, candle), { nil: undefined }),
              }),
            ),
          ),
        }),
      ),
  );

  it('keeps the valid candles and dead-letters every bad row it can place where it stands, else retries', () => {
    fc.assert(
      fc.property(page, ({ interval, rows }) => {
        const body = JSON.stringify(rows.map((r) => r.bad?.row ?? toRestRow(r.candle)));
        const outcome = classifyKlines(answer(200, body), interval, NOW);
        const bad = rows.filter((r) => r.bad !== undefined);
        if (bad.some((r) => r.bad!.row[0] !== r.candle.openTime))
          return assert.equal(outcome.kind, 'retryable');
        assert.equal(outcome.kind, 'klines');
        if (outcome.kind !== 'klines') return;
        assert.deepEqual(
          outcome.candles,
          rows.filter((r) => r.bad === undefined).map((r) => r.candle),
        );
        assert.deepEqual(
          outcome.rejected.map((r) => [r.openTime, JSON.parse(r.row) as unknown]),
          bad.map((r) => [r.candle.openTime, r.bad!.row]),
        );
        for (const [i, r] of outcome.rejected.entries()) {
          const { fields } = bad[i]!.bad!;
          assert.ok(r.problem.reason.length > 0);
          if (fields.length > 0) assert.ok(fields.includes(r.problem.field ?? ''), r.problem.reason);
        }
      }),
    );
  });
});

describe('placeByNeighbours', () => {
  const S = 900_000;
  it('places rows without an open time in the slots their neighbours leave, at the ends from one neighbour', () => {
    assert.deepEqual(placeByNeighbours([0, undefined, 2 * S], S), [0, S, 2 * S]);
    assert.deepEqual(placeByNeighbours([0, undefined, undefined, 3 * S], S), [0, S, 2 * S, 3 * S]);
    assert.deepEqual(placeByNeighbours([undefined, S, 2 * S], S), [0, S, 2 * S]);
    assert.deepEqual(placeByNeighbours([0, S, undefined], S), [0, S, 2 * S]);
  });

  it('gives up when the neighbours leave no slot, or the row has none', () => {
    assert.equal(placeByNeighbours([0, undefined, S], S), undefined);
    assert.equal(placeByNeighbours([0, undefined, 3 * S], S), undefined);
    assert.equal(placeByNeighbours([undefined], S), undefined);
  });
});

describe('classifyKlines placing a row by its neighbours (after UNPLACED_RETRIES)', () => {
  const rows = JSON.parse(body) as unknown[][];
  const text = JSON.stringify([rows[0], ['not-a-time', ...rows[1]!.slice(1)], rows[2]]);

  it('dead-letters the row without a readable open time in its slot, keeping the valid rows', () => {
    assert.equal(classifyKlines(answer(200, text), '15m', NOW).kind, 'retryable', 'retried first');
    const outcome = classifyKlines(answer(200, text), '15m', NOW, { placeByNeighbours: true });
    assert.equal(outcome.kind, 'klines');
    if (outcome.kind !== 'klines') return;
    assert.deepEqual(
      outcome.candles.map((c) => c.openTime),
      [rows[0]![0], rows[2]![0]],
    );
    assert.deepEqual(
      outcome.rejected.map((r) => [r.openTime, r.problem.field, JSON.parse(r.row)[0] as unknown]),
      [[rows[1]![0], 'openTime', 'not-a-time']],
    );
    assert.match(outcome.rejected[0]!.problem.reason, /placed by its neighbours/);
  });

  it('still retries when the neighbours leave no slot for it', () => {
    const crowded = JSON.stringify([rows[0], ['not-a-time', ...rows[1]!.slice(1)], rows[1]]);
    assert.equal(
      classifyKlines(answer(200, crowded), '15m', NOW, { placeByNeighbours: true }).kind,
      'retryable',
    );
  });
});
