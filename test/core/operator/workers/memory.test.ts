import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nodeOptionsFor, quantityBytes } from '../../../../src/core/operator/workers/memory.ts';

describe('worker memory', () => {
  it('reads Kubernetes memory quantities in bytes', () => {
    assert.equal(quantityBytes('512Mi'), 512 * 2 ** 20);
    assert.equal(quantityBytes('1Gi'), 2 ** 30);
    assert.equal(quantityBytes('1G'), 1e9);
    assert.equal(quantityBytes('268435456'), 2 ** 28);
    assert.equal(quantityBytes('1e9'), 1e9);
    assert.equal(quantityBytes('1.5Gi'), 1.5 * 2 ** 30);
    assert.equal(quantityBytes('lots'), undefined);
    assert.equal(quantityBytes('512MB'), undefined);
  });

  it('caps V8 old space at half the limit, and sets nothing for a limit that is missing or tiny', () => {
    assert.equal(nodeOptionsFor('512Mi'), '--max-old-space-size=256 --max-semi-space-size=16');
    assert.equal(nodeOptionsFor('1G'), '--max-old-space-size=476 --max-semi-space-size=16');
    assert.equal(nodeOptionsFor('32Mi'), undefined);
    assert.equal(nodeOptionsFor('?'), undefined);
  });

  it('sizes the semi-spaces at 1/32 of the limit, from 1 to 16 MiB', () => {
    assert.equal(nodeOptionsFor('256Mi'), '--max-old-space-size=128 --max-semi-space-size=8');
    assert.equal(nodeOptionsFor('100Mi'), '--max-old-space-size=50 --max-semi-space-size=3');
    assert.equal(nodeOptionsFor('64Mi'), '--max-old-space-size=32 --max-semi-space-size=2');
    assert.equal(nodeOptionsFor('4Gi'), '--max-old-space-size=2048 --max-semi-space-size=16');
  });
});
