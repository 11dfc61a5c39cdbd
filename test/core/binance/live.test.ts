import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readStreamMessage, streamGrace, takeRun, type Settled } from '../../../src/core/binance/live.ts';
import { binanceDataDir } from '../../fixtures/binance.ts';

/** Real kline stream payloads (shared/data/binance/api-examples): combined and raw, closed and open. */
const recorded = readFileSync(join(binanceDataDir, 'api-examples', 'ws-kline-1s-examples.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '');

type Kline = { readonly k: { readonly x: boolean; readonly s: string } };

const combined = (k: Record<string, unknown>) =>
  JSON.stringify({
    stream: 'btcusdc@kline_1m',
    data: {
      e: 'kline',
      E: 1733561880005,
      s: 'BTCUSDC',
      k: {
        t: 1733561820000,
        T: 1733561879999,
        s: 'BTCUSDC',
        i: '1m',
        f: 1,
        L: 2,
        o: '99512.02000000',
        c: '99512.03000000',
        h: '99513.00000000',
        l: '99511.00000000',
        v: '0.00701000',
        n: 2,
        x: true,
        q: '697.57925570',
        V: '0.00656000',
        Q: '652.79885120',
        B: '0',
        ...k,
      },
    },
  });

describe('readStreamMessage', () => {
  it('reads every recorded payload: closing events as final candles, the others as updates', () => {
    assert.ok(recorded.length > 0);
    for (const line of recorded) {
      const event = readStreamMessage(line);
      const payload = JSON.parse(line) as Kline & { data?: Kline };
      const { k } = payload.data ?? payload;
      if (!k.x) assert.deepEqual(event, { kind: 'update' });
      else {
        assert.equal(event.kind, 'final', line);
        if (event.kind === 'final') {
          assert.equal(event.settled.kind, 'candle');
          assert.deepEqual(event.market, { symbol: k.s, interval: '1s' });
        }
      }
    }
  });

  it('a closing event with the final candle, in a combined stream envelope', () => {
    const event = readStreamMessage(combined({}));
    assert.equal(event.kind, 'final');
    if (event.kind !== 'final' || event.settled.kind !== 'candle') return;
    assert.deepEqual(event.market, { symbol: 'BTCUSDC', interval: '1m' });
    assert.equal(event.settled.candle.openTime, 1733561820000);
    assert.equal(event.settled.candle.close, '99512.03000000');
  });

  it('a closing event that is not a valid candle but can be placed: a bad row at its open time, for the dead-letter topic', () => {
    const text = combined({ c: 'NaN' });
    const event = readStreamMessage(text);
    assert.equal(event.kind, 'final');
    if (event.kind !== 'final' || event.settled.kind !== 'rejected') return assert.fail('not rejected');
    assert.deepEqual(event.market, { symbol: 'BTCUSDC', interval: '1m' });
    assert.equal(event.settled.row.openTime, 1733561820000);
    assert.equal(event.settled.row.row, text);
    assert.equal(event.settled.row.problem.field, 'close');
  });

  it('a closing event whose span is not its interval is rejected, not published', () => {
    const event = readStreamMessage(combined({ T: 1733561820999 }));
    assert.ok(event.kind === 'final' && event.settled.kind === 'rejected');
  });

  it('cannot place a closing event without an aligned open time, a served interval or a symbol', () => {
    for (const k of [{ t: 1733561820001 }, { i: '2m' }, { s: 7 }])
      assert.equal(readStreamMessage(combined(k)).kind, 'unreadable', JSON.stringify(k));
  });

  it('a bad update of the open candle is an update: only its closing event counts', () => {
    assert.deepEqual(readStreamMessage(combined({ x: false, c: 'NaN' })), { kind: 'update' });
  });

  it("Binance's shutdown notice, and text that is not JSON", () => {
    assert.deepEqual(readStreamMessage('{"e":"serverShutdown","E":1733561880005}'), { kind: 'shutdown' });
    assert.deepEqual(readStreamMessage('{"stream":"x","data":{"e":"serverShutdown"}}'), { kind: 'shutdown' });
    assert.equal(readStreamMessage('{"oops"').kind, 'unreadable');
  });
});

describe('streamGrace', () => {
  it('waits 2 s for a 1s or 1m candle, a tenth of the interval up to 10 s beyond', () => {
    assert.deepEqual(
      (['1s', '1m', '3m', '15m', '1d'] as const).map(streamGrace),
      [2000, 6000, 10_000, 10_000, 10_000],
    );
  });
});

describe('takeRun', () => {
  const at = (openTime: number): Settled => ({
    kind: 'rejected',
    row: { openTime, row: '[]', problem: { reason: 'test' } },
  });
  const pending = (times: number[]) => new Map(times.map((t) => [t, at(t)]));

  it('takes the closing events that continue the cursor, stopping at the first hole', () => {
    const { run, cursor } = takeRun('1s', 10_000, pending([10_000, 11_000, 12_000, 14_000]));
    assert.deepEqual(
      run.map((s) => (s.kind === 'rejected' ? s.row.openTime : s.candle.openTime)),
      [10_000, 11_000, 12_000],
    );
    assert.equal(cursor, 13_000);
  });

  it('takes nothing while the cursor candle has not come', () => {
    assert.deepEqual(takeRun('1m', 60_000, pending([120_000])), { run: [], cursor: 60_000 });
  });
});
