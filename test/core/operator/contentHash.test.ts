import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentHash } from '../../../src/core/operator/contentHash.ts';

describe('contentHash', () => {
  it("is FNV-1a 64 (the reference implementation's test vectors)", () => {
    assert.equal(contentHash(''), 'cbf29ce484222325');
    assert.equal(contentHash('a'), 'af63dc4c8601ec8c');
    assert.equal(contentHash('foobar'), '85944171f73967e8');
  });
});
