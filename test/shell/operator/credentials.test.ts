import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generatedSecret } from '../../../src/shell/operator/credentials.ts';

describe('a generated secret', () => {
  it('is letters and digits only, so no command line takes it for a flag (influx setup --password)', () => {
    const secrets = Array.from({ length: 5_000 }, () => generatedSecret(33));
    for (const s of secrets) assert.match(s, /^[A-Za-z0-9]{33}$/);
    assert.equal(new Set(secrets).size, secrets.length, 'no two alike');
  });

  it('draws every character of its alphabet about equally often', () => {
    const counts = new Map<string, number>();
    for (const c of generatedSecret(62 * 2_000)) counts.set(c, (counts.get(c) ?? 0) + 1);
    assert.equal(counts.size, 62);
    // 2,000 expected each; a fair draw stays within ±15 % (over 6 standard deviations) every time.
    for (const [c, n] of counts) assert.ok(n > 1_700 && n < 2_300, `${c} drawn ${n} times of ~2,000`);
  });
});
