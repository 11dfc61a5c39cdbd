import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, weightDelay } from '../../../src/core/binance/budget.ts';

describe('weightDelay', () => {
  const minute = Date.UTC(2026, 0, 1, 12, 0);

  it('lets requests through while the used weight is under 80% of 6000', () => {
    assert.equal(weightDelay(undefined, minute), 0);
    assert.equal(weightDelay(4798, minute + 5000), 0);
  });

  it('waits for the next minute once the budget is spent', () => {
    assert.equal(weightDelay(4799, minute + 15_000), 45_000);
    assert.equal(weightDelay(6000, minute), 60_000);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially up to the cap, with jitter from the given random number', () => {
    assert.equal(backoffDelay(1, 1), 500);
    assert.equal(backoffDelay(3, 1), 2000);
    assert.equal(backoffDelay(20, 1), 30_000);
    assert.equal(backoffDelay(3, 0), 200);
    assert.ok(backoffDelay(3, 0.5) > 200 && backoffDelay(3, 0.5) < 2000);
  });
});
