import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { logLevel } from 'kafkajs';
import { kafkajsLogLevel, transientKafkaErrors } from '../../../src/shell/kafka/client.ts';
import { isKafkajsNegativeTimeout } from '../../../src/shell/kafka/warnings.ts';
import { services } from '../../support/services.ts';

const require = createRequire(import.meta.url);
const { errorCodes } = require('kafkajs/src/protocol/error.js') as {
  errorCodes: { type: string; message: string; retriable: boolean }[];
};

describe("kafkajs's logs through pino", () => {
  it('the passing states are named by the messages kafkajs gives them, and kafkajs retries each (or rejoins)', () => {
    for (const [type, message] of Object.entries(transientKafkaErrors)) {
      const known = errorCodes.find((e) => e.type === type);
      assert.ok(known !== undefined, type);
      assert.equal(message, known.message, type);
      // A rebalance is not "retriable" to kafkajs: its consumer rejoins the group instead (runner.js).
      assert.equal(known.retriable, type !== 'REBALANCE_IN_PROGRESS', type);
    }
  });

  it('a broker answer in a passing state is debug, in the error field or as the message', () => {
    const loading = transientKafkaErrors['GROUP_LOAD_IN_PROGRESS'];
    assert.equal(
      kafkajsLogLevel(logLevel.ERROR, {
        message: 'Response InitProducerId(key: 22, version: 1)',
        error: loading,
      }),
      'debug',
    );
    assert.equal(
      kafkajsLogLevel(logLevel.ERROR, {
        message: 'Response FindCoordinator(key: 10, version: 2)',
        error: 'The group coordinator is not available',
      }),
      'debug',
    );
    assert.equal(
      kafkajsLogLevel(logLevel.ERROR, { message: 'The group is rebalancing, so a rejoin is needed' }),
      'debug',
    );
    assert.equal(kafkajsLogLevel(logLevel.WARN, { message: 'x', error: loading }), 'debug');
  });

  it('real errors stay errors, other levels stay as they are', () => {
    assert.equal(
      kafkajsLogLevel(logLevel.ERROR, {
        message: 'Response SaslAuthenticate(key: 36, version: 1)',
        error:
          'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256',
      }),
      'error',
    );
    assert.equal(
      kafkajsLogLevel(logLevel.ERROR, {
        message: 'Crash: KafkaJSNumberOfRetriesExceeded: The group coordinator is not available',
      }),
      'error',
    );
    assert.equal(
      kafkajsLogLevel(logLevel.ERROR, { message: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092' }),
      'error',
    );
    assert.equal(
      kafkajsLogLevel(logLevel.WARN, { message: 'KafkaJS v2.0.0 switched default partitioner' }),
      'warn',
    );
    assert.equal(
      kafkajsLogLevel(logLevel.INFO, {
        message: 'Starting',
        error: transientKafkaErrors['GROUP_LOAD_IN_PROGRESS'],
      }),
      'info',
    );
    assert.equal(kafkajsLogLevel(logLevel.DEBUG, { message: 'Request Metadata' }), 'debug');
  });
});

const source = (file: string) =>
  JSON.stringify(
    pathToFileURL(join(import.meta.dirname, '..', '..', '..', 'src', 'shell', 'kafka', file)).href,
  );

/** A child process that runs `prelude` then `body` (ESM) and exits; its stderr. */
const runModule = (prelude: string, body: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', `${prelude}\n${body}`], {
      cwd: join(import.meta.dirname, '..', '..', '..'),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', () => resolve(stderr));
  });

/** `runModule` with the warning filter installed first. */
const withFilter = (body: string): Promise<string> =>
  runModule(
    `import { ignoreKafkajsNegativeTimeout } from ${source('warnings.ts')};\nignoreKafkajsNegativeTimeout();`,
    body,
  );

describe("Node 24's TimeoutNegativeWarning of kafkajs 2.2.4", () => {
  const warning = (stack: string) =>
    Object.assign(new Error('-1796045994803 is a negative number.'), {
      name: 'TimeoutNegativeWarning',
      stack,
    });

  it("is told by its name and its origin in kafkajs's request queue", () => {
    assert.ok(
      isKafkajsNegativeTimeout(
        warning(
          'TimeoutNegativeWarning: …\n    at new Timeout (node:internal/timers:233:17)\n    at RequestQueue.scheduleCheckPendingRequests (/app/node_modules/kafkajs/src/network/requestQueue/index.js:317:37)',
        ),
      ),
    );
    assert.ok(
      !isKafkajsNegativeTimeout(
        warning(
          'TimeoutNegativeWarning: …\n    at new Timeout (node:internal/timers:233:17)\n    at retry (/app/dist/shell/observability/sleep.js:5:3)',
        ),
      ),
    );
    const other = Object.assign(new Error('x'), {
      name: 'DeprecationWarning',
      stack: '/node_modules/kafkajs/src/network/requestQueue/index.js',
    });
    assert.ok(!isKafkajsNegativeTimeout(other));
  });

  it('is not printed when a real kafkajs client connects', async () => {
    const { kafka } = services();
    const stderr = await withFilter(`
      import { createRequire } from 'node:module';
      const { Kafka, logLevel } = createRequire(process.cwd() + '/package.json')('kafkajs');
      const admin = new Kafka({ brokers: ${JSON.stringify(kafka.brokers)}, logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      await admin.listTopics();
      await new Promise((r) => setTimeout(r, 200));
      await admin.disconnect();
      process.emitWarning('still shown', 'SomeWarning');`);
    assert.doesNotMatch(stderr, /TimeoutNegativeWarning/);
    assert.match(stderr, /SomeWarning: still shown/, "other warnings still reach Node's handler");
  });

  it('is not printed by a process whose client comes from makeKafka (workers, tests, benchmarks)', async () => {
    const { kafka } = services();
    const stderr = await runModule(
      `import { makeKafka } from ${source('client.ts')};\nimport pino from 'pino';`,
      `
      const admin = makeKafka(${JSON.stringify(kafka.brokers)}, 'test-warning', pino({ level: 'silent' })).admin();
      await admin.connect();
      await admin.listTopics();
      await new Promise((r) => setTimeout(r, 200));
      await admin.disconnect();`,
    );
    assert.doesNotMatch(stderr, /TimeoutNegativeWarning/);
  });

  it('of any other code is still printed', async () => {
    const stderr = await withFilter('setTimeout(() => undefined, -5);');
    assert.match(stderr, /TimeoutNegativeWarning: -5 is a negative number/);
  });
});
