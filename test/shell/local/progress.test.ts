import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  errorsText,
  lagOf,
  progressBlock,
  progressLines,
  progressMark,
  table,
  watchStall,
  type MarketProgress,
  type ProgressSnapshot,
} from '../../../src/shell/local/progress.ts';

const at = Date.UTC(2024, 8, 16, 12, 34, 56);
const market = (symbol: string, interval: string, n: Partial<MarketProgress> = {}): MarketProgress => ({
  symbol,
  interval,
  fetched: 0,
  published: 0,
  consumed: n.stored === undefined ? 0 : n.stored + (n.rejected ?? 0),
  stored: 0,
  rejected: 0,
  ...n,
});
const snapshot = (markets: MarketProgress[], more: Partial<ProgressSnapshot> = {}): ProgressSnapshot => ({
  at,
  markets,
  influxFailures: 0,
  binanceFailures: 0,
  binanceRejected: 0,
  ...more,
});

describe('the progress of cryptostream local', () => {
  it('lag: published and not consumed yet, never negative', () => {
    assert.equal(
      lagOf(market('BTCUSDC', '15m', { published: 672, consumed: 602, stored: 600, rejected: 2 })),
      70,
    );
    // A consumer may read records an earlier run published.
    assert.equal(lagOf(market('BTCUSDC', '15m', { published: 10, consumed: 30, stored: 30 })), 0);
  });

  it('a table aligns text left and numbers right', () => {
    assert.deepEqual(
      table(
        ['symbol', 'interval', 'stored'],
        [
          ['BTCUSDC', '15m', 672],
          ['ETHUSDC', '1h', 5],
        ],
      ),
      ['symbol   interval  stored', 'BTCUSDC  15m          672', 'ETHUSDC  1h             5'],
    );
  });

  it('the terminal block: one row per market with its lag, then the time, the errors and the derivations', () => {
    const p = snapshot(
      [
        market('BTCUSDC', '15m', { fetched: 672, published: 672, stored: 600 }),
        market('BTCUSDC', '1h', { fetched: 168, published: 100, stored: 100, rejected: 1 }),
      ],
      { influxFailures: 3, derived: '12 match, 0 mismatch, 0 unverified' },
    );
    assert.deepEqual(progressBlock(p), [
      'symbol   interval  fetched  published  stored  lag  rejected',
      'BTCUSDC  15m           672        672     600   72         0',
      'BTCUSDC  1h            168        100     100    0         1',
      '12:34:56  errors: 3 failed InfluxDB requests (retried), 1 invalid records (dead-letter topics)  ·  derived: 12 match, 0 mismatch, 0 unverified',
    ]);
  });

  it('errors: none, or each kind with its count', () => {
    assert.equal(errorsText(snapshot([market('BTCUSDC', '1m')])), 'errors: none');
    assert.equal(
      errorsText(
        snapshot([market('BTCUSDC', '1m', { rejected: 2 })], { binanceFailures: 4, binanceRejected: 1 }),
      ),
      'errors: 4 failed Binance requests (retried), 3 invalid records (dead-letter topics)',
    );
  });

  it('plain lines: the markets that moved (since nothing, the first time), and the errors when they change', () => {
    const first = snapshot([
      market('BTCUSDC', '15m', { fetched: 1000, published: 1000, stored: 400 }),
      market('ETHUSDC', '15m'),
    ]);
    assert.deepEqual(progressLines(first), [
      '12:34:56 BTCUSDC 15m: fetched 1000, published 1000, stored 400, lag 600, rejected 0',
    ]);
    const second = snapshot(
      [
        market('BTCUSDC', '15m', { fetched: 1000, published: 1000, stored: 400 }),
        market('ETHUSDC', '15m', { fetched: 5 }),
      ],
      { at: at + 5000, influxFailures: 1 },
    );
    assert.deepEqual(progressLines(second, first), [
      '12:35:01 ETHUSDC 15m: fetched 5, published 0, stored 0, lag 0, rejected 0',
      '12:35:01 errors: 1 failed InfluxDB requests (retried)',
    ]);
    assert.deepEqual(
      progressLines({ ...second, at: at + 10_000 }, second),
      [],
      'nothing moved: nothing printed',
    );
    assert.deepEqual(progressLines({ ...second, derived: '3 match, 0 mismatch, 0 unverified' }, second), [
      '12:35:01 derived: 3 match, 0 mismatch, 0 unverified',
    ]);
  });

  it('the mark grows with any progress', () => {
    const a = snapshot([market('BTCUSDC', '1m', { fetched: 1, published: 1 })]);
    const b = snapshot([market('BTCUSDC', '1m', { fetched: 1, published: 1, stored: 1 })]);
    assert.ok(progressMark(b) > progressMark(a));
  });
});

describe('the stall watch', () => {
  const stallMs = 60_000;

  it('counts the time without progress only while something waits', () => {
    let w = watchStall(undefined, 0, 10, false, stallMs);
    // Nothing waits (live, between candles): never stalled, however long.
    w = watchStall(w.watch, 10 * 60_000, 10, false, stallMs);
    assert.equal(w.stalled, false);
    // Candles wait from now on: the clock starts here.
    w = watchStall(w.watch, 10 * 60_000 + 1000, 10, true, stallMs);
    assert.equal(w.stalled, false);
    w = watchStall(w.watch, 11 * 60_000, 10, true, stallMs);
    assert.equal(w.stalled, false);
    w = watchStall(w.watch, 11 * 60_000 + 1000, 10, true, stallMs);
    assert.equal(w.stalled, true);
  });

  it('any progress restarts the clock', () => {
    let w = watchStall(undefined, 0, 10, true, stallMs);
    w = watchStall(w.watch, 59_000, 11, true, stallMs);
    w = watchStall(w.watch, 100_000, 11, true, stallMs);
    assert.equal(w.stalled, false);
    w = watchStall(w.watch, 119_000, 11, true, stallMs);
    assert.equal(w.stalled, true);
  });

  it('0 s: never', () => {
    let w = watchStall(undefined, 0, 10, true, 0);
    w = watchStall(w.watch, 24 * 3_600_000, 10, true, 0);
    assert.equal(w.stalled, false);
  });
});
