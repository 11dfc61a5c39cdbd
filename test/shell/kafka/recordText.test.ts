import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { textCache } from '../../../src/shell/kafka/recordText.ts';

test('a text cache decodes any bytes as Buffer.toString does, cached or not', () => {
  const text = textCache(8);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      const b = Buffer.from(bytes);
      assert.equal(text(b), b.toString());
      assert.equal(text(b), b.toString()); // the second time from the cache when it is short ASCII
    }),
    { numRuns: 5000 },
  );
});

test('a text cache decodes short ASCII bytes once: the same bytes again are found, not decoded', () => {
  const text = textCache();
  assert.equal(text(Buffer.from('BTCUSDC')), 'BTCUSDC');
  const undecodable = (s: string) =>
    Object.assign(Buffer.from(s), {
      toString: () => assert.fail(`${s} decoded again`),
    });
  assert.equal(text(undecodable('BTCUSDC')), 'BTCUSDC');
  assert.equal(text(Buffer.from('ETHUSDC')), 'ETHUSDC');
  assert.equal(text(undecodable('ETHUSDC')), 'ETHUSDC');
  assert.throws(() => text(undecodable('XRPUSDC')), /XRPUSDC decoded again/);
});

test('a text cache never answers with a text of other bytes: non-ASCII and colliding texts are decoded', () => {
  const text = textCache();
  // Latin-1 0xE9 alone is not UTF-8: decoded, it is U+FFFD, never "é" from a cached "é" (UTF-8 0xC3 0xA9).
  assert.equal(text(Buffer.from('é')), 'é');
  assert.equal(text(Buffer.from([0xe9])), '\ufffd');
  assert.equal(text(Buffer.from('é')), 'é');
  // A full cache still decodes what it has not kept.
  const small = textCache(1);
  assert.equal(small(Buffer.from('A')), 'A');
  assert.equal(small(Buffer.from('B')), 'B');
  assert.equal(small(Buffer.from('B')), 'B');
});
