import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  alertLine,
  alertMessage,
  alertPoint,
  alertTopicName,
  decodeAlert,
  encodeAlert,
  type Alert,
} from '../../../src/core/alerts/index.ts';

const openTime = Date.UTC(2024, 8, 16, 12);

const high: Alert = {
  id: `btc-high:BTCUSDC:15m:${openTime}`,
  rule: 'btc-high',
  kind: 'close',
  direction: 'above',
  symbol: 'BTCUSDC',
  interval: '15m',
  openTime,
  closeTime: openTime + 900_000 - 1,
  value: 63012.5,
  threshold: 63000,
  previous: 62990.1,
};

const drop: Alert = {
  id: `btc-drop:BTCUSDC:15m:${openTime}`,
  rule: 'btc-drop',
  kind: 'change',
  direction: 'below',
  symbol: 'BTCUSDC',
  interval: '15m',
  openTime,
  closeTime: openTime + 900_000 - 1,
  value: -1.2345678912,
  threshold: -1,
  previous: null,
  window: 4,
};

describe('alert messages', () => {
  it('say what crossed which threshold, with the value', () => {
    assert.equal(alertMessage(high), 'BTCUSDC 15m close rose above 63000 (63012.5)');
    assert.equal(alertMessage(drop), 'BTCUSDC 15m change over 4 candles fell below -1% (-1.2345679%)');
    assert.equal(
      alertMessage({ ...drop, window: 1 }),
      'BTCUSDC 15m change over 1 candle fell below -1% (-1.2345679%)',
    );
  });
});

describe('the alert as a Kafka record', () => {
  it('goes to alerts-<interval>, keyed by symbol, with its schema version and id', () => {
    assert.equal(alertTopicName('15m'), 'alerts-15m');
    const r = encodeAlert(high);
    assert.equal(r.key, 'BTCUSDC');
    assert.deepEqual(r.headers, { 'schema-version': '1', 'alert-id': high.id });
    assert.equal(
      r.value,
      `{"schemaVersion":1,"id":"btc-high:BTCUSDC:15m:${openTime}","rule":"btc-high","kind":"close","direction":"above",` +
        `"symbol":"BTCUSDC","interval":"15m","openTime":${openTime},"closeTime":${openTime + 899_999},` +
        `"value":63012.5,"threshold":63000,"previous":62990.1,"message":"BTCUSDC 15m close rose above 63000 (63012.5)"}`,
    );
  });

  it('is the same record every time (a re-published alert is a duplicate downstream)', () => {
    assert.deepEqual(encodeAlert({ ...drop }), encodeAlert(drop));
  });

  it('reads back as the alert', () => {
    for (const a of [high, drop]) {
      const d = decodeAlert(encodeAlert(a).value);
      assert.ok(d.ok);
      assert.deepEqual(d.value, { schemaVersion: 1, ...a, message: alertMessage(a) });
    }
  });

  it('refuses what is not an alert record of this version', () => {
    const json = JSON.parse(encodeAlert(drop).value) as Record<string, unknown>;
    for (const bad of [
      'not json',
      '[]',
      JSON.stringify({ ...json, schemaVersion: 2 }),
      JSON.stringify({ ...json, id: 'other' }),
      JSON.stringify({ ...json, direction: 'sideways' }),
      JSON.stringify({ ...json, interval: '1M' }),
      JSON.stringify({ ...json, value: 'NaN' }),
      JSON.stringify({ ...json, window: undefined }),
      JSON.stringify({ ...json, kind: 'close' }),
      JSON.stringify({ ...json, closeTime: openTime - 1 }),
    ])
      assert.ok(!decodeAlert(bad).ok, bad);
  });
});

describe('the alert as an InfluxDB point', () => {
  it('is measurement alert, tagged by rule, symbol, interval and kind, at the candle open time', () => {
    assert.deepEqual(alertPoint(high), {
      measurement: 'alert',
      tags: { rule: 'btc-high', symbol: 'BTCUSDC', interval: '15m', kind: 'close' },
      fields: { value: { type: 'float', value: 63012.5 }, threshold: { type: 'float', value: 63000 } },
      time: openTime,
    });
  });

  it('is written as one line with the message and direction as string fields', () => {
    assert.equal(
      alertLine(high),
      'alert,interval=15m,kind=close,rule=btc-high,symbol=BTCUSDC value=63012.5,threshold=63000,' +
        `direction="above",message="BTCUSDC 15m close rose above 63000 (63012.5)" ${openTime}`,
    );
  });

  it('escapes quotes and backslashes in string fields', () => {
    const line = alertLine({ ...high, symbol: 'A"B\\C' });
    assert.ok(line.includes('message="A\\"B\\\\C 15m close'), line);
  });
});
