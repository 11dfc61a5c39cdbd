import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clockOffset, parseServerTime } from '../../../src/core/binance/serverTime.ts';

describe("Binance's clock", () => {
  it('takes the server time against the midpoint of the round trip', () => {
    // Sent at 1000, answered at 1100 (local): the server read 6050 half-way, so it is 5000 ahead.
    assert.equal(clockOffset(1000, 1100, 6050), 5000);
    // A host 5 s ahead of Binance.
    assert.equal(clockOffset(10_000, 10_020, 5010), -5000);
  });

  it('reads the body of GET /api/v3/time, refusing anything else', () => {
    assert.deepEqual(parseServerTime('{"serverTime":1499827319559}'), { ok: true, value: 1499827319559 });
    assert.equal(parseServerTime('{"serverTime":"1499827319559"}').ok, false);
    assert.equal(parseServerTime('[]').ok, false);
    assert.equal(parseServerTime('<html>').ok, false);
  });
});
