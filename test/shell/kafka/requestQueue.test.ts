import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { scheduleCheckPendingRequests, type PendingQueue } from '../../../src/shell/kafka/requestQueue.ts';
import { services } from '../../support/services.ts';

const root = join(import.meta.dirname, '..', '..', '..');

/**
 * A child process that connects an admin client to the real Kafka, asks for the topics once, then stays idle
 * for a second; it counts the checks of pending requests of all its connections in that second, and prints
 * them. The client is kafkajs's own (`new Kafka`), or the project's (`makeKafka`, which mends kafkajs as every
 * process of the project does). Its stdout (the count) and stderr.
 */
const idleSecond = (client: 'kafkajs' | 'makeKafka'): Promise<{ checks: number; stderr: string }> => {
  const { kafka } = services();
  const brokers = JSON.stringify(kafka.brokers);
  const makeKafka = JSON.stringify(pathToFileURL(join(root, 'src', 'shell', 'kafka', 'client.ts')).href);
  const program = `
    import { createRequire } from 'node:module';
    import { setTimeout as sleep } from 'node:timers/promises';
    import pino from 'pino';
    import { makeKafka } from ${makeKafka};
    const require = createRequire(process.cwd() + '/package.json');
    const { Kafka, logLevel } = require('kafkajs');
    const RequestQueue = require('kafkajs/src/network/requestQueue/index.js');
    let checks = 0;
    const check = RequestQueue.prototype.checkPendingRequests;
    RequestQueue.prototype.checkPendingRequests = function () { checks += 1; return check.call(this); };
    const admin = (${
      client === 'makeKafka'
        ? `makeKafka(${brokers}, 'test-idle', pino({ level: 'silent' }))`
        : `new Kafka({ brokers: ${brokers}, logLevel: logLevel.NOTHING })`
    }).admin();
    await admin.connect();
    await admin.listTopics();
    await sleep(100);
    const before = checks;
    await sleep(1000);
    const idle = checks - before;
    await admin.disconnect();
    console.log(idle);`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', program], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 && /^\d+\n$/.test(stdout)
        ? resolve({ checks: Number(stdout), stderr })
        : reject(new Error(`the idle client exited with ${code}: ${stdout}${stderr}`)),
    );
  });
};

describe("kafkajs's request queue, mended (src/shell/kafka/requestQueue.ts)", () => {
  it("an idle connection of makeKafka's client checks nothing, where kafkajs 2.2.4 alone checks every millisecond", async () => {
    const [bare, mended] = await Promise.all([idleSecond('kafkajs'), idleSecond('makeKafka')]);
    // Unmended, each connection's queue re-arms a 1 ms timer: hundreds of checks in the idle second.
    assert.ok(bare.checks > 200, `kafkajs alone: ${bare.checks} checks in an idle second`);
    assert.match(bare.stderr, /TimeoutNegativeWarning/, 'kafkajs alone hands setTimeout a negative delay');
    assert.equal(mended.checks, 0, 'mended: no check while no request is pending');
    assert.doesNotMatch(mended.stderr, /TimeoutNegativeWarning/, 'mended: no negative delay');
  });

  describe('arms a check only while requests are pending', () => {
    const queue = (pending: number, throttledUntil: number) => {
      const q: PendingQueue & { checks: number } = {
        pending: Array.from({ length: pending }, () => ({})),
        throttledUntil,
        throttleCheckTimeoutId: null,
        checks: 0,
        checkPendingRequests() {
          q.checks += 1;
        },
      };
      return q;
    };

    it('none when nothing is pending, throttled or not', (t) => {
      t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
      for (const throttledUntil of [-1, 1_000_500]) {
        const q = queue(0, throttledUntil);
        scheduleCheckPendingRequests.call(q);
        assert.equal(q.throttleCheckTimeoutId, null);
        t.mock.timers.tick(1_000);
        assert.equal(q.checks, 0);
      }
    });

    it('when the throttle ends, while the broker throttles', (t) => {
      t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
      const q = queue(2, 1_000_050);
      scheduleCheckPendingRequests.call(q);
      t.mock.timers.tick(49);
      assert.equal(q.checks, 0, 'not before the throttle ends');
      t.mock.timers.tick(1);
      assert.equal(q.checks, 1);
      assert.equal(q.throttleCheckTimeoutId, null, 'the next check may be armed');
    });

    it("after kafkajs's 10 ms when not throttled (waiting for an in-flight slot), and once at a time", (t) => {
      t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
      const q = queue(1, -1);
      scheduleCheckPendingRequests.call(q);
      scheduleCheckPendingRequests.call(q);
      t.mock.timers.tick(9);
      assert.equal(q.checks, 0);
      t.mock.timers.tick(1);
      assert.equal(q.checks, 1, 'one check for two calls while armed');
      t.mock.timers.tick(100);
      assert.equal(q.checks, 1);
    });
  });
});
