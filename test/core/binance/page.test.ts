import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  advanceCursor,
  alignCursor,
  lastClosedOpenTime,
  planPage,
  settlePage,
  type PageRequest,
} from '../../../src/core/binance/page.ts';
import type { Candle } from '../../../src/core/kline/candle.ts';

const H = 3_600_000;
const T0 = Date.UTC(2024, 8, 1);

describe('planPage', () => {
  it('asks for a full page of 1000 closed candles from the cursor during a backfill', () => {
    const plan = planPage({ interval: '1h', cursor: T0, now: T0 + 5000 * H });
    assert.deepEqual(plan, {
      kind: 'fetch',
      request: {
        startTime: T0,
        endTime: T0 + 1000 * H - 1,
        limit: 1000,
        lastOpenTime: T0 + 999 * H,
        atLiveEdge: false,
      },
    });
  });

  it('never asks for the still-open candle', () => {
    const now = T0 + 10 * H + 1234;
    const plan = planPage({ interval: '1h', cursor: T0, now });
    assert.equal(plan.kind, 'fetch');
    if (plan.kind !== 'fetch') return;
    assert.equal(plan.request.lastOpenTime, T0 + 9 * H);
    assert.equal(plan.request.limit, 10);
    assert.equal(plan.request.atLiveEdge, true);
  });

  it('counts a candle as closed from the millisecond after its close time', () => {
    assert.equal(lastClosedOpenTime('1m', T0 + 60_000), T0);
    assert.equal(lastClosedOpenTime('1m', T0 + 59_999), T0 - 60_000);
  });

  it('waits for the next candle to close when caught up', () => {
    assert.deepEqual(planPage({ interval: '1m', cursor: T0, now: T0 + 30_000 }), {
      kind: 'wait',
      until: T0 + 60_000,
    });
  });

  it('stops at the end of a bounded range and never asks beyond it', () => {
    const to = T0 + 24 * H;
    const plan = planPage({ interval: '1h', cursor: T0 + 20 * H, now: T0 + 1000 * H, to });
    assert.equal(plan.kind, 'fetch');
    if (plan.kind === 'fetch') assert.equal(plan.request.lastOpenTime, T0 + 23 * H);
    assert.deepEqual(planPage({ interval: '1h', cursor: to, now: T0 + 1000 * H, to }), { kind: 'done' });
  });

  it('aligns a start inside a candle to the next open time', () => {
    assert.equal(alignCursor('1h', T0), T0);
    assert.equal(alignCursor('1h', T0 + 1), T0 + H);
  });
});

describe('advanceCursor', () => {
  const request = {
    startTime: T0,
    endTime: T0 + 10 * H - 1,
    limit: 10,
    lastOpenTime: T0 + 9 * H,
    atLiveEdge: false,
  };

  it('moves past the page when it came back full', () => {
    const times = Array.from({ length: 10 }, (_, i) => T0 + i * H);
    assert.equal(advanceCursor('1h', request, times), T0 + 10 * H);
  });

  it('skips candles Binance does not have in a past range', () => {
    assert.equal(advanceCursor('1h', request, [T0, T0 + H]), T0 + 10 * H);
    assert.equal(advanceCursor('1h', request, []), T0 + 10 * H);
  });

  it('at the live edge, asks again for a closed candle that is not there yet', () => {
    const live = { ...request, atLiveEdge: true };
    assert.equal(advanceCursor('1h', live, [T0, T0 + H]), T0 + 2 * H);
    assert.equal(advanceCursor('1h', live, []), T0);
  });
});

describe('settlePage', () => {
  const M = 15 * 60_000;
  const candle = (openTime: number) => ({ openTime, closeTime: openTime + M - 1 }) as unknown as Candle;
  const bad = (openTime: number) => ({ openTime, row: '[]', problem: { reason: 'x', field: 'close' } });
  const plan = (now: number, cursor = T0) => {
    const p = planPage({ interval: '15m', cursor, now });
    assert.equal(p.kind, 'fetch');
    return (p as { request: PageRequest }).request;
  };

  it('publishes the valid rows, dead-letters the bad one and moves past the whole page', () => {
    const request = plan(T0 + 2000 * M);
    const settled = settlePage(
      '15m',
      request,
      {
        candles: [0, 1, 3, 4].map((i) => candle(T0 + i * M)),
        rejected: [bad(T0 + 2 * M)],
      },
      T0 + 2000 * M,
    );
    assert.deepEqual(
      settled.publish.map((c) => (c.openTime - T0) / M),
      [0, 1, 3, 4],
    );
    assert.deepEqual(
      settled.deadLetters.map((r) => (r.openTime - T0) / M),
      [2],
    );
    assert.equal(settled.cursor, request.lastOpenTime + M);
  });

  it('at the live edge, moves past a bad newest row (it is not asked for again) but not past a missing one', () => {
    const now = T0 + 5 * M + 10;
    const request = plan(now);
    assert.equal(request.atLiveEdge, true);
    const badLast = settlePage(
      '15m',
      request,
      { candles: [0, 1, 2, 3].map((i) => candle(T0 + i * M)), rejected: [bad(T0 + 4 * M)] },
      now,
    );
    assert.equal(badLast.cursor, T0 + 5 * M);
    const badThenMissing = settlePage(
      '15m',
      request,
      { candles: [0, 1, 2].map((i) => candle(T0 + i * M)), rejected: [bad(T0 + 3 * M)] },
      now,
    );
    assert.equal(badThenMissing.cursor, T0 + 4 * M, 'the valid candle after the bad row is asked for again');
  });

  it('neither publishes nor dead-letters a row still open, outside the page or at or after `to`', () => {
    const now = T0 + 5 * M + 10;
    const request = plan(now, T0 + M);
    const settled = settlePage(
      '15m',
      request,
      {
        candles: [candle(T0), candle(T0 + M), candle(T0 + 5 * M)],
        rejected: [bad(T0 + 5 * M), bad(T0), bad(T0 + 3 * M)],
      },
      now,
      T0 + 3 * M,
    );
    assert.deepEqual(
      settled.publish.map((c) => c.openTime),
      [T0 + M],
    );
    assert.deepEqual(settled.deadLetters, []);
  });
});
