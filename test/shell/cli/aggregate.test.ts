import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { dataPath } from '../../fixtures/binance.ts';
import { jsonLines, runCli } from '../../support/cli.ts';

/** Binance's own rows of a REST file, one JSON array per line as the CLI writes them. */
const restLines = (file: string): Set<string> =>
  new Set(
    readFileSync(dataPath(file), 'utf8')
      .split('\n')
      .map((l) => l.trim().replace(/,$/, ''))
      .filter((l) => l.startsWith('[1')),
  );

describe('cryptostream aggregate', () => {
  it('writes Binance REST rows, byte for byte, for 1m CSV → 1h', async () => {
    const run = await runCli(['aggregate', '--to', '1h', dataPath('BTCUSDT/1m/BTCUSDT-1m-2024-09-21.csv')]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '');
    const lines = run.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 24);
    const binance = restLines('BTCUSDT/1h/BTCUSDT-1h-2024-09.json');
    for (const line of lines) assert.ok(binance.has(line), line);
  });

  it('reads standard input and chains: 15m → 1h → 1d equals Binance’s 1d rows', async () => {
    const hours = await runCli(
      ['aggregate', '--to', '1h'],
      readFileSync(dataPath('SOLUSDT/15m/SOLUSDT-15m-week-2024-09-16.json'), 'utf8'),
    );
    const days = await runCli(['aggregate', '--to', '1d'], hours.stdout);
    assert.equal(days.status, 0, days.stderr);
    const binance = restLines('SOLUSDT/1d/SOLUSDT-1d-2024-01-01_2025-12-31.json');
    const lines = days.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 7);
    for (const line of lines) assert.ok(binance.has(line), line);
  });

  it('rejects invalid records on stderr with position and reason, exits 2, and still aggregates the rest', async () => {
    const rows = readFileSync(dataPath('BTCUSDT/1h/BTCUSDT-1h-2024-09.json'), 'utf8').split('\n');
    rows.splice(3, 0, '  [1725159600000,"1","2","0.5","oops","1",1725163199999,"1",1,"1","1","0"],');
    const run = await runCli(['aggregate', '--to', '1d'], rows.join('\n'));
    assert.equal(run.status, 2);
    const [rejection] = jsonLines(run.stderr);
    assert.deepEqual(rejection, {
      kind: 'rejected',
      source: 'stdin',
      record: 3, // line 1 is the document's opening bracket
      line: 4,
      field: 'close',
      reason: 'not a non-negative decimal with at most 8 places: "oops"',
    });
    assert.equal(run.stdout.trimEnd().split('\n').length, 30);
  });

  it('reports a gap and withholds the bucket it breaks', async () => {
    const rows = readFileSync(dataPath('ETHUSDT/1h/ETHUSDT-1h-2024-09.json'), 'utf8').split('\n');
    rows.splice(5, 1); // drops the 1h candle of 2024-09-01 04:00
    const run = await runCli(['aggregate', '--to', '1d'], rows.join('\n'));
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trimEnd().split('\n').length, 29);
    const events = jsonLines(run.stderr) as { kind: string }[];
    assert.deepEqual(
      events.map((e) => e.kind),
      ['gap', 'incomplete'],
    );
  });

  it('fails with a clear usage message on a missing or unknown interval', async () => {
    const run = await runCli(['aggregate', '--to', '7m']);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /--to needs a Binance interval, got "7m"/);
  });
});

describe('cryptostream --help', () => {
  it('lists the subcommands', async () => {
    const run = await runCli(['--help']);
    assert.equal(run.status, 0);
    for (const command of ['aggregate', 'enrich', 'producer', 'consumer', 'local', 'operator'])
      assert.match(run.stdout, new RegExp(`^  ${command} `, 'm'));
  });
});
