import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quantityNanos, sameQuantity } from '../../../src/core/operator/quantity.ts';

describe('resource quantities', () => {
  it('are compared by value, as the API server canonicalizes them', () => {
    for (const [written, stored] of [
      ['1000m', '1'],
      ['1.5', '1500m'],
      ['0.1', '100m'],
      ['1024Mi', '1Gi'],
      ['2048Ki', '2Mi'],
      ['1e3', '1k'],
      ['512Mi', '536870912'],
    ] as const)
      assert.ok(sameQuantity(written, stored), `${written} = ${stored}`);
    assert.ok(!sameQuantity('500m', '1'));
    assert.ok(!sameQuantity('1G', '1Gi'), 'decimal and binary suffixes differ');
  });

  it('are not every string', () => {
    for (const text of ['', 'abc', '1 Gi', '1GB', 'Gi', '1.2.3'])
      assert.equal(quantityNanos(text), undefined, text);
    assert.ok(!sameQuantity('abc', 'abc'), 'a non-quantity is never the same quantity');
  });
});
