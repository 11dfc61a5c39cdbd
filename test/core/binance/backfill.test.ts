import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultBackfillFrom } from '../../../src/core/binance/backfill.ts';
import { alignCursor, lastClosedOpenTime } from '../../../src/core/binance/page.ts';
import { intervalMs, intervals } from '../../../src/core/kline/interval.ts';

const NOW = Date.UTC(2026, 10, 30, 11, 17, 23, 456);
const DAY = 86_400_000;

/** Closed candles from the (aligned) start up to `now`. */
const closedFrom = (interval: (typeof intervals)[number], from: number): number =>
  (lastClosedOpenTime(interval, NOW) - alignCursor(interval, from)) / intervalMs[interval] + 1;

describe('defaultBackfillFrom', () => {
  it('reaches back the warm-up of a 1d series: 34 closed days with the default indicators', () => {
    const from = defaultBackfillFrom('1d', 34, NOW);
    assert.equal(from, Date.UTC(2026, 10, 29) - 33 * DAY);
    assert.equal(closedFrom('1d', from), 34);
  });

  it('gives every interval at least the warm-up and at least the last 24 h', () => {
    for (const warmUp of [1, 34, 100, 1999])
      for (const interval of intervals) {
        const from = defaultBackfillFrom(interval, warmUp, NOW);
        assert.ok(from <= NOW - DAY, `${interval} ${warmUp}: 24 h`);
        assert.ok(closedFrom(interval, from) >= warmUp, `${interval} ${warmUp}: warm-up`);
      }
  });

  it('is the last 24 h for intervals whose warm-up fits in a day', () => {
    assert.equal(defaultBackfillFrom('1m', 34, NOW), NOW - DAY);
    assert.equal(defaultBackfillFrom('15m', 34, NOW), NOW - DAY);
  });

  it('reaches back the warm-up of 1h and 1w series when it is longer than a day', () => {
    assert.equal(closedFrom('1h', defaultBackfillFrom('1h', 100, NOW)), 100);
    assert.equal(closedFrom('1w', defaultBackfillFrom('1w', 34, NOW)), 34);
  });
});
