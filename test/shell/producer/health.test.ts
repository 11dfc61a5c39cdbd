import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { intervalMs } from '../../../src/core/kline/interval.ts';
import { runProducer } from '../../../src/shell/producer/producer.ts';
import { startBinanceServer, type BinanceServer, type Corruption } from '../../support/binanceServer.ts';
import { dropRun, flux, newRun, producerConfig, quietLog, RANGES, type Run } from '../pipeline/harness.ts';

const M = intervalMs['15m'];
const { from, to } = RANGES['15m'];
const SYMBOLS = ['BTCUSDC', 'ETHUSDC'] as const;

/** Two bad rows of BTC (a close that is no number, a high below the low), one of ETH (its last). */
const corrupt: Corruption[] = [
  { symbol: 'BTCUSDC', interval: '15m', openTime: from + 100 * M, kind: 'non-numeric-price' },
  { symbol: 'BTCUSDC', interval: '15m', openTime: from + 200 * M, kind: 'high-below-low' },
  { symbol: 'ETHUSDC', interval: '15m', openTime: to - M, kind: 'high-below-low' },
];

describe("the producer's pipeline health points (real Kafka and InfluxDB, Binance test server)", () => {
  let binance: BinanceServer;
  let run: Run;
  before(async () => {
    binance = await startBinanceServer({ corrupt });
    run = await newRun();
  });
  after(async () => {
    await binance.close();
    await dropRun(run).catch(() => undefined);
  });

  it('reports the rows it dead-lettered per market by the field at fault, as many as in all', async () => {
    const counts = await runProducer(
      {
        ...producerConfig(run, binance, '15m', SYMBOLS),
        influx: { target: run.endpoints.influx, bucketRaw: run.raw },
        reportEveryMs: 300,
      },
      quietLog(),
      AbortSignal.timeout(60_000),
    );
    const sums = async (field: string, by: readonly string[]) =>
      Object.fromEntries(
        (
          await flux(
            run,
            `from(bucket: "${run.raw}") |> range(start: 0)
              |> filter(fn: (r) => r._measurement == "pipeline" and r.role == "producer" and r._field == "${field}")
              |> group(columns: [${by.map((c) => `"${c}"`).join(', ')}])
              |> sum()`,
          )
        ).map((r) => [by.map((c) => String(r[c])).join(' '), r['_value']]),
      );
    // The metrics' field labels: `close` (no number), `low` (a high below the low names the low).
    assert.deepEqual(await sums('dead_letters_by_field', ['symbol', 'interval', 'field']), {
      'BTCUSDC 15m close': 1,
      'BTCUSDC 15m low': 1,
      'ETHUSDC 15m low': 1,
    });
    assert.deepEqual(await sums('dead_letters', ['symbol']), { BTCUSDC: 2, ETHUSDC: 1 }, 'as many in all');
    for (const symbol of SYMBOLS)
      assert.equal(
        counts.get('15m')?.get(symbol)?.rejected,
        corrupt.filter((c) => c.symbol === symbol).length,
      );
  });
});
