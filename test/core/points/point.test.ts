import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MarketCandle } from '../../../src/core/kline/candle.ts';
import { toLineProtocol } from '../../../src/core/points/lineProtocol.ts';
import { enrichedPoint, rawPoint } from '../../../src/core/points/point.ts';
import { aCandle } from '../../fixtures/candles.ts';

const candle: MarketCandle = { symbol: 'BTCUSDC', interval: '1m', ...aCandle() };

describe('points of a candle', () => {
  it('maps a raw candle to measurement kline with the original tags and typed fields at its open time', () => {
    assert.deepEqual(rawPoint(candle), {
      measurement: 'kline',
      tags: { coin: 'BTCUSDC', interval: '1m', type: 'raw' },
      fields: {
        open: { type: 'float', value: 63000 },
        high: { type: 'float', value: 63010.5 },
        low: { type: 'float', value: 62990.1 },
        close: { type: 'float', value: 63005 },
        volume: { type: 'float', value: 12.3456789 },
        trades: { type: 'integer', value: 321 },
      },
      time: candle.openTime,
    });
  });

  it('adds only the indicators that have values to an enriched point', () => {
    const p = enrichedPoint(candle, { sma_7: 63001.25, rsi_14: 55.5 });
    assert.equal(p.tags['type'], 'enriched');
    assert.deepEqual(p.fields['sma_7'], { type: 'float', value: 63001.25 });
    assert.equal(p.fields['ema_12'], undefined);
  });

  it('maps the same candle to the same line every time (idempotent rewrite)', () => {
    const line = toLineProtocol(rawPoint(candle));
    assert.equal(
      line,
      'kline,coin=BTCUSDC,interval=1m,type=raw open=63000,high=63010.5,low=62990.1,close=63005,volume=12.3456789,trades=321i 1726876800000',
    );
    assert.equal(toLineProtocol(rawPoint({ ...candle })), line);
  });

  it('escapes tag values with spaces, commas and equals signs', () => {
    const p = {
      measurement: 'k line',
      tags: { coin: 'A B,C=D' },
      fields: { x: { type: 'float', value: 1 } },
      time: 0,
    } as const;
    assert.equal(toLineProtocol(p), 'k\\ line,coin=A\\ B\\,C\\=D x=1 0');
  });
});
