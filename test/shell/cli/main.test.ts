import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { KafkaUnreachable } from '../../../src/shell/kafka/client.ts';
import {
  EXIT_INFLUXDB_UNREACHABLE,
  EXIT_KAFKA_UNREACHABLE,
  EXIT_OK,
  EXIT_USAGE,
  exitStatuses,
  exitStatusHelp,
} from '../../../src/shell/cli/command.ts';
import { exitOnUnreachable, InfluxDBUnreachable } from '../../../src/shell/cli/unreachable.ts';
import { runFromSource } from './fromSource.ts';

const { version } = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', '..', '..', 'package.json'), 'utf8'),
) as { version: string };

describe('cryptostream, as a person meets it', () => {
  it('--version prints the version of package.json', async () => {
    const r = await runFromSource(['--version']);
    assert.equal(r.status, EXIT_OK, r.stderr);
    assert.equal(r.stdout, `cryptostream ${version}\n`);
    assert.equal(r.stderr, '');
  });

  it('bare, it prints the usage with every command to stderr and exits with the usage status', async () => {
    const r = await runFromSource([]);
    assert.equal(r.status, EXIT_USAGE);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^Usage: cryptostream <command> \[options\]\n/);
    for (const command of ['aggregate', 'enrich', 'producer', 'consumer', 'local', 'operator'])
      assert.match(r.stderr, new RegExp(`\\n  ${command} +\\S`));
    assert.match(r.stderr, /--version/);
  });

  it('--help prints the same usage to stdout and exits 0', async () => {
    const r = await runFromSource(['--help']);
    assert.equal(r.status, EXIT_OK);
    assert.match(r.stdout, /^Usage: cryptostream <command>/);
  });

  it('an unknown command is a usage error naming it', async () => {
    const r = await runFromSource(['produce']);
    assert.equal(r.status, EXIT_USAGE);
    assert.match(r.stderr, /^cryptostream: unknown command "produce"\n\nUsage:/);
  });

  it('an error no command handled is one line with status 3 (a missing input file)', async () => {
    const r = await runFromSource(['aggregate', '--to', '1h', '/nonexistent/klines.csv']);
    assert.equal(r.status, 3);
    assert.equal(
      r.stderr,
      "cryptostream aggregate: ENOENT: no such file or directory, open '/nonexistent/klines.csv'\n",
    );
  });

  for (const command of ['aggregate', 'enrich', 'producer', 'consumer', 'local', 'operator'] as const)
    it(`${command} --help lists the exit statuses it can end with`, async () => {
      const r = await runFromSource([command, '--help']);
      assert.equal(r.status, EXIT_OK, r.stderr);
      const section = r.stdout.slice(r.stdout.indexOf('Exit status:'));
      assert.ok(section.startsWith('Exit status:'), r.stdout);
      const listed = [...section.matchAll(/^ {2}(\d) {2}/gm)].map((m) => Number(m[1]));
      assert.deepEqual(
        listed,
        exitStatuses.filter((e) => e.commands.includes(command)).map((e) => e.status),
      );
    });
});

describe('the exit statuses', () => {
  it('are one table, each status once, in order', () => {
    const statuses = exitStatuses.map((e) => e.status);
    assert.deepEqual(statuses, [0, 1, 2, 3, 4, 5, 6]);
  });

  it('docs/configuration.md lists every status of the table', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'configuration.md'), 'utf8');
    for (const { status } of exitStatuses) assert.match(doc, new RegExp(`\\n\\| \`${status}\` \\|`));
  });

  it("a command's help section says more where asked", () => {
    assert.match(
      exitStatusHelp('operator', { 1: 'also: lost the leader Lease' }),
      /\n {2}1 {2}usage: .*; also: lost the leader Lease\n/,
    );
    assert.doesNotMatch(exitStatusHelp('aggregate'), /Kafka/);
  });
});

describe('exitOnUnreachable', () => {
  const capture = () => {
    let text = '';
    return { out: { write: (t: string) => (text += t) }, text: () => text };
  };

  it('Kafka: one line naming the command, the brokers and the failure; status 5', () => {
    const c = capture();
    const e = new KafkaUnreachable(
      'Kafka at 127.0.0.1:1 did not answer within 2 s (last failure: ECONNREFUSED)',
    );
    assert.equal(exitOnUnreachable('producer', e, c.out), EXIT_KAFKA_UNREACHABLE);
    assert.equal(c.text(), `cryptostream producer: ${e.message}\n`);
  });

  it('InfluxDB: the same with status 6', () => {
    const c = capture();
    const e = new InfluxDBUnreachable('InfluxDB at http://127.0.0.1:1 did not answer within 2 s');
    assert.equal(exitOnUnreachable('local', e, c.out), EXIT_INFLUXDB_UNREACHABLE);
    assert.equal(c.text(), `cryptostream local: ${e.message}\n`);
  });

  it('any other error: undefined and nothing written', () => {
    const c = capture();
    assert.equal(exitOnUnreachable('consumer', new Error('boom'), c.out), undefined);
    assert.equal(c.text(), '');
  });
});
