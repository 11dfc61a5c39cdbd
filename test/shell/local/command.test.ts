import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  EXIT_INFLUXDB_UNREACHABLE,
  EXIT_KAFKA_UNREACHABLE,
  EXIT_USAGE,
} from '../../../src/shell/cli/command.ts';
import { startBinanceServer, type BinanceServer } from '../../support/binanceServer.ts';
import { services } from '../../support/services.ts';
import { runFromSource } from '../cli/fromSource.ts';
import { deadPort } from '../../support/ports.ts';
import { fakeInfluxDB } from './fakes.ts';
import { assertStoredExactly, countStored, dropRun, newRun, RANGES, type Run } from '../pipeline/harness.ts';

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

  it('--from/--to backfills the range, waits until all is stored and prints the summary per symbol and interval; no error is logged', async () => {
    const run = await fresh();
    const { from, to } = RANGES['15m'];
    const result = await runFromSource([
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
      // Every log line, to show that none is an error: kafkajs's passing states are debug.
      '--log-level',
      'info',
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
    // Progress without a terminal: plain lines per market.
    assert.match(
      result.stderr,
      /\n\d\d:\d\d:\d\d BTCUSDC 15m: fetched \d+, published \d+, stored \d+, lag \d+, rejected 0\n/,
    );
    const errors = result.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .filter((l) => l.level >= 50);
    assert.deepEqual(errors, [], 'no error-level log line');
    assert.doesNotMatch(result.stderr, /Warning|\(node:\d+\)/, 'no Node warning (TimeoutNegativeWarning)');
  });

  it('without --to runs live with progress lines until Ctrl-C (SIGINT), then exits 0', async () => {
    const run = await fresh();
    const epoch = Math.floor(Date.now() / 1000) * 1000 - 10_000;
    const live = await startBinanceServer({ live: { interval: '1s', source: '15m', epoch } });
    servers.push(live);
    let signalled = false;
    const result = await runFromSource(
      [
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
      {
        onStderr: (stderr, kill) => {
          const stored = [
            ...stderr.matchAll(/\n\d\d:\d\d:\d\d BTCUSDC 1s: fetched \d+, published \d+, stored (\d+)/g),
          ];
          if (!signalled && stored.some((m) => Number(m[1]) >= 15)) {
            signalled = true;
            kill('SIGINT');
          }
        },
      },
    );
    assert.ok(signalled, result.stderr);
    assert.equal(result.status, 0, result.stderr);
    assert.ok((await countStored(run, '1s', 'raw')) >= 15);
  });
});

describe('cryptostream local, when something is wrong', () => {
  const servers: Server[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'cryptostream-local-'));
  after(() => {
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  /** An endpoints file for CRYPTOSTREAM_SERVICES_ENV. */
  const endpoints = (kafka: string, influx: string): Record<string, string> => {
    const file = join(dir, `${randomUUID()}.env`);
    writeFileSync(
      file,
      [
        `KAFKA_BROKERS=${kafka}`,
        `INFLUX_URL=${influx}`,
        'INFLUX_TOKEN=token',
        'INFLUX_ORG=cryptostream',
        'INFLUX_BUCKET_RAW=raw',
        'INFLUX_BUCKET_ENRICHED=enriched',
        '',
      ].join('\n'),
    );
    return { CRYPTOSTREAM_SERVICES_ENV: file };
  };
  const fake = async (mode: Parameters<typeof fakeInfluxDB>[0]) => {
    const f = await fakeInfluxDB(mode);
    servers.push(f.server);
    return f.url;
  };
  const lines = (stderr: string) =>
    stderr.split('\n').filter((l) => l !== '' && !l.includes('metrics on http'));

  for (const [text, why] of [
    ['Sep 16 2024', 'is not an ISO-8601 date or date-time'],
    ['2024-09-16T00:00:00', 'has no zone designator (it would be read in local time): add Z for UTC'],
  ] as const)
    it(`--from ${JSON.stringify(text)}: a usage error naming the flag and the value`, async () => {
      const r = await runFromSource(['local', '--from', text, '--to', '2024-09-23']);
      assert.equal(r.status, EXIT_USAGE);
      assert.ok(
        r.stderr.startsWith(`cryptostream local: --from ${JSON.stringify(text)} ${why}; give a date`),
        r.stderr,
      );
    });

  it(`Kafka not answering: one line naming the brokers, status ${EXIT_KAFKA_UNREACHABLE} after --connect-timeout`, async (t) => {
    const port = await deadPort(t);
    const r = await runFromSource(
      ['local', '--intervals', '15m', '--connect-timeout', '2', '--to', '2024-09-23', '--from', '2024-09-16'],
      {
        env: endpoints(`127.0.0.1:${port}`, await fake('fail-writes')),
      },
    );
    assert.equal(r.status, EXIT_KAFKA_UNREACHABLE, r.stderr);
    assert.deepEqual(lines(r.stderr), [
      `cryptostream local: Kafka at 127.0.0.1:${port} did not answer within 2 s (last failure: Connection error: connect ECONNREFUSED 127.0.0.1:${port})`,
    ]);
    assert.ok(r.ms < 15_000, `${r.ms} ms`);
  });

  it(`InfluxDB not answering: one line naming the URL, status ${EXIT_INFLUXDB_UNREACHABLE} after --connect-timeout`, async (t) => {
    const port = await deadPort(t);
    const r = await runFromSource(
      ['local', '--connect-timeout', '2', '--from', '2024-09-16', '--to', '2024-09-23'],
      {
        env: endpoints(services().kafka.brokers.join(','), `http://127.0.0.1:${port}`),
      },
    );
    assert.equal(r.status, EXIT_INFLUXDB_UNREACHABLE, r.stderr);
    assert.equal(lines(r.stderr).length, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `\ncryptostream local: InfluxDB at http://127.0.0.1:${port} did not answer within 2 s \\(last failure: .*ECONNREFUSED.*\\)\n$`,
      ),
    );
  });

  it(`InfluxDB refusing the token: said at once, status ${EXIT_INFLUXDB_UNREACHABLE}`, async () => {
    const url = await fake('unauthorized');
    const r = await runFromSource(['local', '--from', '2024-09-16', '--to', '2024-09-23'], {
      env: endpoints(services().kafka.brokers.join(','), url),
    });
    assert.equal(r.status, EXIT_INFLUXDB_UNREACHABLE, r.stderr);
    assert.deepEqual(lines(r.stderr), [
      `cryptostream local: InfluxDB at ${url} refused the token (401: unauthorized access)`,
    ]);
    assert.ok(r.ms < 10_000, `${r.ms} ms`);
  });

  it(`InfluxDB failing every write: no hang, status ${EXIT_INFLUXDB_UNREACHABLE} after --stall-timeout, with the last failure`, async () => {
    const binance = await startBinanceServer();
    try {
      const url = await fake('fail-writes');
      const { from, to } = RANGES['15m'];
      const r = await runFromSource(
        [
          'local',
          '--symbols',
          'BTCUSDC',
          '--intervals',
          '15m',
          '--binance-url',
          binance.url,
          '--from',
          iso(from),
          '--to',
          iso(to),
          '--topic-prefix',
          `t${randomUUID().slice(0, 8)}-prices-`,
          '--stall-timeout',
          '3',
        ],
        { env: endpoints(services().kafka.brokers.join(','), url) },
      );
      assert.equal(r.status, EXIT_INFLUXDB_UNREACHABLE, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `\ncryptostream local: InfluxDB at ${url} stored nothing for 3 s while \\d+ candles wait: \\d+ failed requests so far \\(last failure: .*fake InfluxDB: writes and queries refused.*\\)\n`,
        ),
      );
      assert.equal(r.stdout, '', 'no summary');
      assert.ok(r.ms < 60_000, `${r.ms} ms`);
    } finally {
      await binance.close();
    }
  });
});
