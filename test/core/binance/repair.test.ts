import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  liveStart,
  mergeHoles,
  missingRanges,
  noteMissing,
  rangeAfter,
  recheckedGaps,
  repairPage,
  storedHoles,
} from '../../../src/core/binance/repair.ts';

const S = 1000;
const T = Date.UTC(2026, 10, 30, 12);

describe('liveStart: where a live market starts', () => {
  it('after the topic, as before, when the store is not behind it', () => {
    assert.equal(
      liveStart({ interval: '1s', from: T, fromExplicit: false, topicNewest: T + 50 * S }),
      T + 51 * S,
    );
    assert.equal(
      liveStart({
        interval: '1s',
        from: T,
        fromExplicit: false,
        topicNewest: T + 50 * S,
        storedNewest: T + 60 * S,
      }),
      T + 51 * S,
    );
    assert.equal(liveStart({ interval: '1s', from: T, fromExplicit: true }), T);
  });

  it('right after the stored series when that ends before the default start (topic expired): no hole', () => {
    assert.equal(
      liveStart({ interval: '1s', from: T, fromExplicit: false, storedNewest: T - 3600 * S }),
      T - 3599 * S,
    );
    assert.equal(
      liveStart({ interval: '1s', from: T, fromExplicit: false, topicNewest: T + 9 * S, storedNewest: T }),
      T + S,
      'the store behind the topic tail',
    );
  });

  it('never before an explicit --from', () => {
    assert.equal(liveStart({ interval: '1s', from: T, fromExplicit: true, storedNewest: T - 3600 * S }), T);
    assert.equal(
      liveStart({
        interval: '1s',
        from: T,
        fromExplicit: true,
        topicNewest: T + 9 * S,
        storedNewest: T + 4 * S,
      }),
      T + 5 * S,
    );
  });

  it('after the stored series when the topic is empty and the store reaches past the start', () => {
    assert.equal(
      liveStart({ interval: '1s', from: T, fromExplicit: false, storedNewest: T + 99 * S }),
      T + 100 * S,
    );
  });
});

describe('storedHoles and mergeHoles', () => {
  it('the range before the first point and every range between points more than one interval apart', () => {
    assert.deepEqual(
      storedHoles('1s', T, T + 100 * S, {
        first: T + 5 * S,
        afterHoles: [
          { time: T + 20 * S, elapsed: 3 * S },
          { time: T + 50 * S, elapsed: 11 * S },
        ],
      }),
      [
        { from: T, to: T + 4 * S },
        { from: T + 18 * S, to: T + 19 * S },
        { from: T + 40 * S, to: T + 49 * S },
      ],
    );
    assert.deepEqual(storedHoles('1s', T, T + 100 * S, { afterHoles: [] }), [], 'nothing stored: no hole');
    assert.deepEqual(storedHoles('1s', T, T + 100 * S, { first: T, afterHoles: [] }), []);
  });

  it('joins holes whose joined range fits one page, not others', () => {
    assert.deepEqual(
      mergeHoles('1s', [
        { from: T + 10 * S, to: T + 10 * S },
        { from: T, to: T + 2 * S },
        { from: T + 5000 * S, to: T + 5001 * S },
      ]),
      [
        { from: T, to: T + 10 * S },
        { from: T + 5000 * S, to: T + 5001 * S },
      ],
    );
  });
});

describe('repair pages and missing ranges', () => {
  it('pages a range by 1000 and moves on', () => {
    const range = { from: T, to: T + 2499 * S };
    const p = repairPage('1s', range);
    assert.deepEqual(p, {
      startTime: T,
      endTime: T + 999 * S + 999,
      limit: 1000,
      lastOpenTime: T + 999 * S,
      atLiveEdge: false,
    });
    assert.deepEqual(rangeAfter(range, T + 1000 * S), { from: T + 1000 * S, to: T + 2499 * S });
    assert.equal(rangeAfter(range, T + 2500 * S), undefined);
  });

  it('finds what a page lacks', () => {
    assert.deepEqual(missingRanges('1s', T, T + 10 * S, [T + 2 * S, T + 3 * S, T + 7 * S]), [
      { from: T, to: T + S },
      { from: T + 4 * S, to: T + 6 * S },
      { from: T + 8 * S, to: T + 9 * S },
    ]);
    assert.deepEqual(missingRanges('1s', T, T + 3 * S, [T, T + S, T + 2 * S]), []);
    assert.deepEqual(missingRanges('1s', T, T + 3 * S, []), [{ from: T, to: T + 2 * S }]);
  });
});

describe('gaps: reported once, re-checked once, then given up', () => {
  const gap = { from: T, to: T + 9 * S };
  it('reports a new gap with its re-check time', () => {
    const n = noteMissing([], [gap], 5, 3600_000, false);
    assert.deepEqual(n.reported, [{ ...gap, recheckAt: 3600_005, rechecked: false }]);
    assert.deepEqual(n.gaps, n.reported);
    assert.deepEqual(n.givenUp, []);
    const again = noteMissing(n.gaps, [{ from: T + S, to: T + 2 * S }], 10, 3600_000, false);
    assert.deepEqual(again.reported, [], 'a part of a known gap is not reported again');
    const recheck = noteMissing(n.gaps, [gap], 3600_005, 3600_000, true);
    assert.deepEqual(recheck.reported, []);
    assert.deepEqual(recheck.givenUp, [gap]);
    assert.deepEqual(recheckedGaps(recheck.gaps, gap), [{ ...gap, recheckAt: 3600_005, rechecked: true }]);
  });
});
