import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRebalancing, whileBeating } from '../../../src/shell/consumer/heartbeat.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An error as kafkajs's protocol errors carry their type. */
const protocolError = (type: string) => Object.assign(new Error(type), { type });

describe('whileBeating', () => {
  it('heartbeats every `everyMs` while the work is pending, and no more once it settled', async () => {
    let beats = 0;
    const result = await whileBeating(
      async () => {
        await sleep(230);
        return 'stored';
      },
      async () => void (beats += 1),
      50,
    );
    assert.equal(result, 'stored');
    assert.ok(beats >= 3 && beats <= 5, `${beats} heartbeats`);
    const after = beats;
    await sleep(120);
    assert.equal(beats, after);
  });

  it('aborts the work and rejects with the error when a heartbeat says the group rebalances', async () => {
    let aborted = false;
    const rebalance = protocolError('REBALANCE_IN_PROGRESS');
    await assert.rejects(
      whileBeating(
        (signal) =>
          new Promise((_, reject) =>
            signal.addEventListener('abort', () => {
              aborted = true;
              reject(new Error('aborted'));
            }),
          ),
        () => Promise.reject(rebalance),
        20,
      ),
      (e) => e === rebalance,
    );
    assert.equal(aborted, true);
  });

  it('goes on through other heartbeat failures, reporting them', async () => {
    const missed: unknown[] = [];
    const result = await whileBeating(
      async () => {
        await sleep(100);
        return 1;
      },
      () => Promise.reject(new Error('connection closed')),
      20,
      (e) => missed.push(e),
    );
    assert.equal(result, 1);
    assert.ok(missed.length >= 2);
  });

  it('passes the failure of the work on', async () => {
    await assert.rejects(
      whileBeating(
        () => Promise.reject(new Error('InfluxDB down')),
        () => Promise.resolve(),
        20,
      ),
      /InfluxDB down/,
    );
  });

  it('knows the kafkajs errors of a rebalance and of a member out of its group', () => {
    for (const t of [
      'REBALANCE_IN_PROGRESS',
      'ILLEGAL_GENERATION',
      'UNKNOWN_MEMBER_ID',
      'NOT_COORDINATOR_FOR_GROUP',
    ])
      assert.equal(isRebalancing(protocolError(t)), true, t);
    assert.equal(isRebalancing(protocolError('LEADER_NOT_AVAILABLE')), false);
    assert.equal(isRebalancing(new TypeError('x')), false);
  });
});
