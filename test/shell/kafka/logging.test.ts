import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { logLevel } from 'kafkajs';
import { kafkajsLogLevel, transientKafkaErrors } from '../../../src/shell/kafka/client.ts';

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
