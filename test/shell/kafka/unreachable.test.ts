import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EXIT_KAFKA_UNREACHABLE } from '../../../src/shell/cli/command.ts';
import { deadPort } from '../../support/ports.ts';

const worker = join(import.meta.dirname, '..', 'pipeline', 'worker.ts');

type Exit = { status: number | null; stdout: string; stderr: string; ms: number };

/**
 * The worker CLI from source in a child process, configured through the environment as in a pod;
 * `signalAfterMs`: SIGTERM it that long after the start.
 */
const runWorker = (role: string, env: Record<string, string>, signalAfterMs?: number): Promise<Exit> =>
  new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [worker, role], {
      env: { ...process.env, CRYPTOSTREAM_HTTP_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    if (signalAfterMs !== undefined) setTimeout(() => child.kill('SIGTERM'), signalAfterMs);
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr, ms: Date.now() - started }));
  });

const roles = [
  ['producer', { CRYPTOSTREAM_SYMBOLS: 'BTCUSDC', CRYPTOSTREAM_INTERVALS: '15m' }],
  ['consumer', { CRYPTOSTREAM_INFLUX_TOKEN: 'unused' }],
] as const;

describe('a worker started while Kafka cannot be reached', () => {
  for (const [role, env] of roles)
    it(`${role}: says so in one line naming the brokers and the failure, and exits with status ${EXIT_KAFKA_UNREACHABLE} once its deadline passed`, async (t) => {
      const port = await deadPort(t);
      const exit = await runWorker(role, {
        ...env,
        CRYPTOSTREAM_INTERVAL: '15m',
        CRYPTOSTREAM_KAFKA_BROKERS: `127.0.0.1:${port}`,
        CRYPTOSTREAM_KAFKA_CONNECT_TIMEOUT: '2',
        CRYPTOSTREAM_LOG_LEVEL: 'info',
      });
      assert.equal(exit.status, EXIT_KAFKA_UNREACHABLE, exit.stderr + exit.stdout);
      // Only that line: no Node warning either (kafkajs's request queue is mended: no TimeoutNegativeWarning).
      const lines = exit.stderr.split('\n').filter((l) => l.trim() !== '');
      assert.deepEqual(lines, [
        `cryptostream ${role}: Kafka at 127.0.0.1:${port} did not answer within 2 s (last failure: Connection error: connect ECONNREFUSED 127.0.0.1:${port})`,
      ]);
      assert.doesNotMatch(exit.stdout, /kafkajs|"stack"/, 'no kafkajs retries logged');
      assert.ok(exit.ms >= 2000 && exit.ms < 8000, `exited after ${exit.ms} ms`);
    });

  for (const [role, env] of roles)
    it(`${role}: a SIGTERM while it waits stops it at once with status 0`, async (t) => {
      const port = await deadPort(t);
      const exit = await runWorker(
        role,
        {
          ...env,
          CRYPTOSTREAM_INTERVAL: '15m',
          CRYPTOSTREAM_KAFKA_BROKERS: `127.0.0.1:${port}`,
          CRYPTOSTREAM_KAFKA_CONNECT_TIMEOUT: '60',
        },
        1500,
      );
      assert.equal(exit.status, 0, exit.stderr + exit.stdout);
      assert.ok(exit.ms < 5000, `exited after ${exit.ms} ms`);
    });
});
