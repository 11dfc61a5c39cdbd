import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { combinedStreamUrls, klineStream, streamBaseOf } from '../../../src/core/binance/streams.ts';

describe('kline streams', () => {
  it('names a stream with the symbol in lower case', () => {
    assert.equal(klineStream('BTCUSDC', '1s'), 'btcusdc@kline_1s');
  });

  it("finds the WebSocket host of Binance's REST hosts, else the same host over ws/wss", () => {
    assert.equal(streamBaseOf('https://data-api.binance.vision'), 'wss://data-stream.binance.vision');
    assert.equal(streamBaseOf('https://api.binance.com/'), 'wss://stream.binance.com:9443');
    assert.equal(streamBaseOf('https://api3.binance.com'), 'wss://stream.binance.com:9443');
    assert.equal(streamBaseOf('http://10.0.0.7:34567'), 'ws://10.0.0.7:34567');
    assert.equal(streamBaseOf('https://binance.example:8443/api'), 'wss://binance.example:8443');
  });

  it('puts every stream on one connection, at most 1024 per connection', () => {
    assert.deepEqual(combinedStreamUrls('ws://h:1/', ['a@kline_1s', 'b@kline_1m']), [
      'ws://h:1/stream?streams=a@kline_1s/b@kline_1m',
    ]);
    const streams = Array.from({ length: 2100 }, (_, i) => `s${i}@kline_1s`);
    const urls = combinedStreamUrls('wss://x', streams);
    assert.equal(urls.length, 3);
    assert.deepEqual(
      urls.map((u) => new URL(u).searchParams.get('streams')!.split('/').length),
      [1024, 1024, 52],
    );
  });
});
