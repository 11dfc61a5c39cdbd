import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { advanceCursor, alignCursor, lastClosedOpenTime, planPage } from '../../../src/core/binance/page.ts';

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
