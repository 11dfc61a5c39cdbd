import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { defaultIndicatorConfig, enricher, indicatorFields } from '../../../src/core/indicators/index.ts';
import { dataPath, readCandles } from '../../fixtures/binance.ts';
import { jsonLines, runCli } from '../../support/cli.ts';

const candleKeys = [
  'symbol',
  'interval',
  'openTime',
  'closeTime',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'quoteVolume',
  'trades',
  'takerBuyBase',
  'takerBuyQuote',
];

describe('cryptostream enrich', () => {
  const file = 'XRPUSDT/1h/XRPUSDT-1h-2024-09.json';

  it('writes one object per candle: the candle, then the pure core’s indicator values', async () => {
    const run = await runCli(['enrich', '--symbol', 'XRPUSDT', '--interval', '1h', dataPath(file)]);
    assert.equal(run.status, 0, run.stderr);
    const rows = jsonLines(run.stdout) as Record<string, unknown>[];
    const candles = readCandles(file);
    assert.equal(rows.length, candles.length);
    const { init, step } = enricher(defaultIndicatorConfig);
    let state = init;
    candles.forEach((candle, i) => {
      const [next, indicators] = step(state, candle);
      state = next;
      assert.deepEqual(rows[i], { symbol: 'XRPUSDT', interval: '1h', ...candle, ...indicators });
    });
    const last = rows.at(-1)!;
    assert.deepEqual(
      Object.keys(last).sort(),
      [...candleKeys, ...indicatorFields(defaultIndicatorConfig)].sort(),
    );
    assert.ok(!('sma_7' in rows[5]!), 'sma_7 is absent before its 7th close');
    assert.equal(typeof rows[6]!['sma_7'], 'number');
  });

  it('takes indicator periods as options and names the fields after them', async () => {
    const run = await runCli(
      ['enrich', '--symbol', 'XRPUSDT', '--interval', '1h', '--sma', '5,50', '--rsi', '7', '--bb', '10,2.5'],
      readFileSync(dataPath(file), 'utf8'),
    );
    assert.equal(run.status, 0, run.stderr);
    const last = (jsonLines(run.stdout) as Record<string, unknown>[]).at(-1)!;
    for (const key of ['sma_5', 'sma_50', 'rsi_7', 'bb_upper']) assert.equal(typeof last[key], 'number', key);
    assert.ok(!('sma_7' in last) && !('rsi_14' in last));
  });

  it('rejects candles of another interval with their position, exits 2, and enriches the rest', async () => {
    const run = await runCli(['enrich', '--symbol', 'BTCUSDT', '--interval', '1d', dataPath(file)]);
    assert.equal(run.status, 2);
    assert.equal(run.stdout, '');
    const rejections = jsonLines(run.stderr) as { record: number; reason: string }[];
    assert.equal(rejections.length, 720);
    assert.deepEqual(rejections[0], {
      kind: 'rejected',
      source: dataPath(file),
      record: 1,
      line: 2,
      field: 'closeTime',
      reason: 'a 1h candle in a 1d series',
    });
  });

  it('fails with a usage message on a bad symbol, interval or period', async () => {
    for (const [args, message] of [
      [['--symbol', 'btc', '--interval', '1h'], /--symbol needs an upper-case Binance symbol/],
      [['--symbol', 'BTCUSDT', '--interval', '2m'], /--interval needs a Binance interval/],
      [['--symbol', 'BTCUSDT', '--interval', '1h', '--rsi', '1'], /rsi must be an integer from 2/],
      [['--symbol', 'BTCUSDT', '--interval', '1h', '--macd', '12,26'], /--macd takes 3 number/],
    ] as const) {
      const run = await runCli(['enrich', ...args]);
      assert.equal(run.status, 1, args.join(' '));
      assert.match(run.stderr, message);
    }
  });
});
