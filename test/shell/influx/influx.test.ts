import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MarketCandle } from '../../../src/core/kline/candle.ts';
import { candleSeries, enrichedLine } from '../../../src/core/points/candleLines.ts';
import { loadStoredPrices, writeLines } from '../../../src/shell/influx/influx.ts';
import { fifteenMinuteWeek } from '../../fixtures/binance.ts';
import { dropRun, newRun, type Run } from '../pipeline/harness.ts';

describe('loadStoredPrices (real InfluxDB)', () => {
  let run: Run;
  const markets = new Map(['BTCUSDC', 'ETHUSDC', 'XRPUSDC'].map((s) => [s, fifteenMinuteWeek(s)]));
  before(async () => {
    run = await newRun();
    const lines = [...markets.values()].flatMap((candles) =>
      candles.map((c) => enrichedLine(candleSeries('enriched', c), c, { sma_7: 1 })),
    );
    await writeLines(run.endpoints.influx, run.enriched, lines);
  });
  after(() => dropRun(run));

  it("reads the float64 prices stored from each range start on, for the range's symbols only", async () => {
    const btc = markets.get('BTCUSDC')!;
    const eth = markets.get('ETHUSDC')!;
    const prices = await loadStoredPrices(run.endpoints.influx, run.enriched, '15m', [
      { start: btc[600]!.openTime, symbols: ['BTCUSDC'] },
      { start: eth[650]!.openTime, symbols: ['ETHUSDC', 'SOLUSDC'] },
    ]);
    assert.deepEqual([...prices.keys()].sort(), ['BTCUSDC', 'ETHUSDC']);
    const expected = (candles: MarketCandle[]) =>
      candles.map((c) => ({ openTime: c.openTime, close: c.close, high: c.high, low: c.low }));
    const asNumbers = (list: readonly { openTime: number; close: string; high: string; low: string }[]) =>
      [...list]
        .sort((a, b) => a.openTime - b.openTime)
        .map((p) => [p.openTime, Number(p.close), Number(p.high), Number(p.low)]);
    assert.deepEqual(asNumbers(prices.get('BTCUSDC')!), asNumbers(expected(btc.slice(600))));
    assert.deepEqual(asNumbers(prices.get('ETHUSDC')!), asNumbers(expected(eth.slice(650))));
  });

  it('reads nothing for no ranges, and one range without a union', async () => {
    assert.equal((await loadStoredPrices(run.endpoints.influx, run.enriched, '15m', [])).size, 0);
    const xrp = markets.get('XRPUSDC')!;
    const one = await loadStoredPrices(run.endpoints.influx, run.enriched, '15m', [
      { start: xrp[671]!.openTime, symbols: ['XRPUSDC'] },
    ]);
    assert.deepEqual(one.get('XRPUSDC')?.length, 1);
  });
});
