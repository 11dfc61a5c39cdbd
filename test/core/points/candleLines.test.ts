import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { defaultIndicatorConfig, enricher } from '../../../src/core/indicators/index.ts';
import type { MarketCandle } from '../../../src/core/kline/candle.ts';
import {
  candleSeries,
  enrichedLine,
  rawLine,
  seriesBytes,
  writeCandleLines,
  writeRawLine,
} from '../../../src/core/points/candleLines.ts';
import { lineWriter, linesOf } from '../../../src/core/points/lineBodies.ts';
import { decimalText, escapeKey, seriesKey, toLineProtocol } from '../../../src/core/points/lineProtocol.ts';
import { enrichedPoint, rawPoint } from '../../../src/core/points/point.ts';
import { aCandle } from '../../fixtures/candles.ts';
import { readCandles, restFiles } from '../indicators/candles.ts';

/** A canonical 8-place decimal string of a count of 1e-8 units. */
const decimal = (units: bigint): string => {
  const text = units.toString().padStart(9, '0');
  return `${text.slice(0, -8)}.${text.slice(-8)}`;
};

describe('decimalText', () => {
  it('is the text of Number(d) for every canonical decimal, at every magnitude', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), (units) => {
        const d = decimal(units);
        return decimalText(d) === String(Number(d));
      }),
      { numRuns: 20000 },
    );
  });

  it('is the text of Number(d) at the edges: zero, exponent notation, 15 to 17 significant digits', () => {
    for (const d of [
      '0.00000000',
      '0.00000001',
      '0.00000099',
      '0.00000100',
      '0.00000123',
      '1.00000000',
      '10.00000000',
      '1234567.12345678',
      '9999999.99999999',
      '123456789012345.00000000',
      '1234567890123456.00000000',
      '123456789.12345678',
      '999999999999999999999.00000000',
      '1000000000000000000000.00000000',
    ])
      assert.equal(decimalText(d), String(Number(d)), d);
  });

  it('falls back to String(Number(d)) for other shapes', () => {
    for (const d of ['1', '1.5', '.12345678', '007.50000000', '1e3', '12a45.00000000', '-1.00000000'])
      assert.equal(decimalText(d), String(Number(d)), d);
  });
});

describe('escaping', () => {
  it('escapes spaces, commas and equals signs in keys and leaves other keys as they are', () => {
    assert.equal(escapeKey('sma_7'), 'sma_7');
    assert.equal(escapeKey('a b,c=d'), 'a\\ b\\,c\\=d');
    assert.equal(escapeKey('=,  '), '\\=\\,\\ \\ ');
  });

  it('sorts and escapes the tag set of a series once', () => {
    assert.equal(seriesKey('k line,x', { z: 'a=b', a: 'c d' }), 'k\\ line\\,x,a=c\\ d,z=a\\=b');
  });

  it('escapes field keys that need it', () => {
    const p = {
      measurement: 'm',
      tags: {},
      fields: { 'a b': { type: 'float', value: 0.1 }, n: { type: 'integer', value: 3 } },
      time: 5,
    } as const;
    assert.equal(toLineProtocol(p), 'm a\\ b=0.1,n=3i 5');
  });
});

describe('candle lines', () => {
  const e = enricher(defaultIndicatorConfig);

  it('equal the line protocol of the raw and enriched points of every recorded candle', () => {
    for (const file of restFiles()) {
      const market = { symbol: 'BTCUSDC', interval: '15m' } as const;
      const raw = candleSeries('raw', market);
      const enriched = candleSeries('enriched', market);
      let state = e.init;
      for (const c of readCandles(file)) {
        const candle: MarketCandle = { ...c, ...market };
        const [next, indicators] = e.step(state, candle);
        state = next;
        assert.equal(rawLine(raw, candle), toLineProtocol(rawPoint(candle)));
        assert.equal(
          enrichedLine(enriched, candle, indicators),
          toLineProtocol(enrichedPoint(candle, indicators)),
        );
      }
    }
  });

  it('are written as bytes with the same text: raw alone, and raw with enriched for every recorded candle', () => {
    const market = { symbol: 'BTCUSDC', interval: '15m' } as const;
    const rawSeries = seriesBytes('raw', market);
    const enrichedSeries = seriesBytes('enriched', market);
    for (const file of restFiles()) {
      const raw = lineWriter(64);
      const enriched = lineWriter(64);
      const alone = lineWriter(64);
      const want = { raw: [] as string[], enriched: [] as string[] };
      let state = e.init;
      for (const c of readCandles(file)) {
        const candle: MarketCandle = { ...c, ...market };
        const [next, indicators] = e.step(state, candle);
        state = next;
        writeCandleLines(raw, rawSeries, enriched, enrichedSeries, candle, indicators);
        writeRawLine(alone, rawSeries, candle);
        want.raw.push(toLineProtocol(rawPoint(candle)));
        want.enriched.push(toLineProtocol(enrichedPoint(candle, indicators)));
      }
      assert.deepEqual(linesOf(raw.bodies()), want.raw, file);
      assert.deepEqual(linesOf(alone.bodies()), want.raw, file);
      assert.deepEqual(linesOf(enriched.bodies()), want.enriched, file);
    }
  });

  it('equal the point lines for tiny, huge and long decimals, escaped symbols and odd indicators', () => {
    const candle: MarketCandle = {
      ...aCandle({
        open: '0.00000012',
        high: '1234567890123456.12345678',
        low: '0.00000000',
        close: '0.10000000',
        volume: '123456789.12345678',
      }),
      symbol: 'A B,C=D',
      interval: '1m',
    };
    const indicators = { sma_7: 1e-7, 'odd key': 1 / 3, rsi_14: Number.NaN, big: 1e21, neg: -0.5 };
    assert.equal(rawLine(candleSeries('raw', candle), candle), toLineProtocol(rawPoint(candle)));
    assert.equal(
      enrichedLine(candleSeries('enriched', candle), candle, indicators),
      toLineProtocol(enrichedPoint(candle, indicators)),
    );
    const raw = lineWriter();
    const enriched = lineWriter();
    const rawSeries = seriesBytes('raw', candle);
    writeCandleLines(raw, rawSeries, enriched, seriesBytes('enriched', candle), candle, indicators);
    writeRawLine(raw, rawSeries, { ...candle, trades: 0, openTime: 0 });
    assert.deepEqual(linesOf(raw.bodies()), [
      toLineProtocol(rawPoint(candle)),
      toLineProtocol(rawPoint({ ...candle, trades: 0, openTime: 0 })),
    ]);
    assert.deepEqual(linesOf(enriched.bodies()), [toLineProtocol(enrichedPoint(candle, indicators))]);
  });
});
