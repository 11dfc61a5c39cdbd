import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { portOfUrl, portsOfServers } from '../../../../src/core/operator/network/ports.ts';

describe('the port of binance.baseUrl', () => {
  it("is the URL's own port, or its scheme's", () => {
    assert.equal(portOfUrl('https://data-api.binance.vision'), 443);
    assert.equal(portOfUrl('https://api.binance.com:9443/api'), 9443);
    assert.equal(portOfUrl('https://api.binance.com:443'), 443);
    assert.equal(portOfUrl('http://binance-replay.markets.svc:8080'), 8080);
    assert.equal(portOfUrl('HTTP://binance-replay'), 80);
  });

  it("falls back on the scheme's port for a URL the WHATWG parser refuses", () => {
    assert.equal(portOfUrl('https://api.binance.com:99999'), 443);
    assert.equal(portOfUrl('http://[bad'), 80);
  });
});

describe('the ports of kafka.external.bootstrapServers', () => {
  it('are the distinct ports of the host:port list, ascending', () => {
    assert.deepEqual(portsOfServers('b-1.example.com:9096,b-2.example.com:9096'), [9096]);
    assert.deepEqual(portsOfServers('kafka-1:9094, kafka-0:9093,10.0.0.7:9092'), [9092, 9093, 9094]);
  });

  it('skip an entry without a usable port', () => {
    assert.deepEqual(portsOfServers('kafka:9093,kafka,kafka:0,kafka:70000'), [9093]);
  });
});
