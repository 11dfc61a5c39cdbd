import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as wait } from 'node:timers/promises';
import { LONGEST_TIMER_MS, sleep, sleepInSteps } from '../../../src/shell/observability/sleep.ts';

describe('sleep', () => {
  it('longer than one Node timer holds: asleep until aborted, without a TimeoutOverflowWarning', async (t) => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    t.after(() => process.off('warning', onWarning));
    const stop = new AbortController();
    let done = false;
    const slept = sleep(3 * LONGEST_TIMER_MS, stop.signal).then(() => (done = true));
    // Node would have run one such timer after 1 ms.
    await wait(100);
    assert.equal(done, false, 'still asleep');
    stop.abort();
    await slept;
    await new Promise(setImmediate);
    assert.deepEqual(warnings, []);
  });

  it('sleeps the whole time in several steps', async () => {
    const started = performance.now();
    await sleepInSteps(45, 10);
    assert.ok(performance.now() - started >= 44, 'not woken after the first step');
  });

  it('ends at once for a delay of 0 or less, or an aborted signal', async () => {
    await sleep(0);
    await sleep(-5);
    await sleep(LONGEST_TIMER_MS, AbortSignal.abort());
  });
});
