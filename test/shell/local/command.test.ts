import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBinanceServer, type BinanceServer } from '../../support/binanceServer.ts';
import { runCli } from '../../support/cli.ts';
import {
  assertStoredExactly,
  countStored,
  dropRun,
  newRun,
  RANGES,
  waitFor,
  type Run,
} from '../pipeline/harness.ts';

const bin = join(import.meta.dirname, '..', '..', '..', 'bin', 'cryptostream.js');
const iso = (t: number) => new Date(t).toISOString();
const isolation = (run: Run) => [
  '--topic-prefix',
  run.prefix,
  '--bucket-raw',
  run.raw,
  '--bucket-enriched',
  run.enriched,
];

describe('cryptostream local (real Kafka and InfluxDB, the Binance test server)', () => {
  const runs: Run[] = [];
  const servers: BinanceServer[] = [];
  const fresh = async () => {
    const run = await newRun();
    runs.push(run);
    return run;
  };
  after(async () => {
    for (const s of servers) await s.close();
    for (const r of runs) await dropRun(r).catch(() => undefined);
  });

  let binance: BinanceServer;
  before(async () => {
    binance = await startBinanceServer();
    servers.push(binance);
  });

  it('--from/--to backfills the range, waits until all is stored and prints the summary per symbol and interval', async () => {
    const run = await fresh();
    const { from, to } = RANGES['15m'];
    const result = await runCli([
      'local',
      '--symbols',
      'BTCUSDC,ETHUSDC',
      '--intervals',
      '15m,1h',
      '--binance-url',
      binance.url,
      '--from',
      iso(from),
      '--to',
      iso(to),
      ...isolation(run),
    ]);
    assert.equal(result.status, 0, result.stderr);
    const rows = result.stdout
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/));
    assert.deepEqual(rows, [
      ['symbol', 'interval', 'fetched', 'published', 'stored', 'enriched', 'rejected'],
      ['BTCUSDC', '15m', '672', '672', '672', '672', '0'],
      ['ETHUSDC', '15m', '672', '672', '672', '672', '0'],
      ['BTCUSDC', '1h', '168', '168', '168', '168', '0'],
      ['ETHUSDC', '1h', '168', '168', '168', '168', '0'],
    ]);
    await assertStoredExactly(run, binance, '15m', ['BTCUSDC', 'ETHUSDC']);
    // 1h is also derived from 15m and compared with the exchange's 1h candles: 2 symbols × 168 hours.
    assert.match(
      result.stderr,
      /derived candles against the exchange's: 336 match, 0 mismatch, 0 unverified\n/,
    );
  });

  it('without --to runs live with a status line until Ctrl-C (SIGINT), then exits 0', async () => {
    const run = await fresh();
    const epoch = Math.floor(Date.now() / 1000) * 1000 - 10_000;
    const live = await startBinanceServer({ live: { interval: '1s', source: '15m', epoch } });
    servers.push(live);
    const child = spawn(
      process.execPath,
      [
        bin,
        'local',
        '--symbols',
        'BTCUSDC',
        '--intervals',
        '1s',
        '--binance-url',
        live.url,
        '--from',
        iso(epoch),
        ...isolation(run),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.resume();
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor('a status line with 15 stored 1s candles', async () =>
        [...stderr.matchAll(/\r\d\d:\d\d:\d\d 1s: (\d+) stored/g)].some((m) => Number(m[1]) >= 15),
      );
      child.kill('SIGINT');
      assert.equal(await exited, 0, stderr);
    } finally {
      child.kill('SIGKILL');
    }
    assert.ok((await countStored(run, '1s', 'raw')) >= 15);
  });
});
