import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MarketCandle } from '../../../src/core/kline/candle.ts';
import { decodeCandle, encodeCandle } from '../../../src/core/kline/message.ts';
import { aCandle } from '../../fixtures/candles.ts';

const candle: MarketCandle = { symbol: 'ETHUSDC', interval: '1m', ...aCandle() };

describe('the Kafka candle message', () => {
  it('is keyed by symbol, carries schema version and source, and decodes to the same candle', () => {
    const m = encodeCandle(candle, 'binance-rest');
    assert.equal(m.key, 'ETHUSDC');
    assert.deepEqual(m.headers, { 'schema-version': '1', source: 'binance-rest' });
    assert.deepEqual(decodeCandle(m.value, m.key), { ok: true, value: candle });
  });

  it('rejects a value that is not JSON, a bad field, and a key that does not match the symbol', () => {
    assert.deepEqual(decodeCandle('{oops'), {
      ok: false,
      error: { reason: 'the message value is not valid JSON' },
    });
    const bad = decodeCandle(JSON.stringify({ ...candle, trades: -3 }));
    assert.ok(!bad.ok && bad.error.field === 'trades');
    const wrongKey = decodeCandle(encodeCandle(candle, 'x').value, 'BTCUSDC');
    assert.ok(!wrongKey.ok && wrongKey.error.field === 'key');
    const badInterval = decodeCandle(JSON.stringify({ ...candle, interval: '7m' }));
    assert.ok(!badInterval.ok && badInterval.error.field === 'interval');
  });
});

describe('decoding a candle of the wrong timing', () => {
  it('rejects a candle that does not span its interval or does not open at its start, and one of another topic', () => {
    const wrongSpan = decodeCandle(JSON.stringify({ ...candle, interval: '1h' }));
    assert.ok(!wrongSpan.ok && wrongSpan.error.field === 'closeTime');
    const late = { ...candle, openTime: candle.openTime + 1000, closeTime: candle.closeTime + 1000 };
    const misaligned = decodeCandle(JSON.stringify(late));
    assert.ok(!misaligned.ok && misaligned.error.field === 'openTime');
    const elsewhere = decodeCandle(encodeCandle(candle, 'x').value, candle.symbol, '15m');
    assert.deepEqual(elsewhere, {
      ok: false,
      error: { reason: 'a 1m candle in the 15m topic', field: 'interval' },
    });
    assert.ok(decodeCandle(encodeCandle(candle, 'x').value, candle.symbol, '1m').ok);
  });
});
