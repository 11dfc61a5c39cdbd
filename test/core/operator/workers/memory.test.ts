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
    assert.equal(nodeOptionsFor('512Mi'), '--max-old-space-size=256');
    assert.equal(nodeOptionsFor('1G'), '--max-old-space-size=476');
    assert.equal(nodeOptionsFor('32Mi'), undefined);
    assert.equal(nodeOptionsFor('?'), undefined);
  });
});
