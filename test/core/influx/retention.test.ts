import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retentionDiffers, retentionRules } from '../../../src/core/influx/retention.ts';

describe('bucket retention', () => {
  it('is one expire rule of whole days, 0 for forever', () => {
    assert.deepEqual(retentionRules(7), [{ type: 'expire', everySeconds: 604_800 }]);
    assert.deepEqual(retentionRules(0), [{ type: 'expire', everySeconds: 0 }]);
  });

  it('differs when the bucket keeps points for another time; no rule and a 0 rule both mean forever', () => {
    assert.equal(retentionDiffers([{ everySeconds: 604_800 }], 7), false);
    assert.equal(retentionDiffers([{ everySeconds: 604_800 }], 30), true);
    assert.equal(retentionDiffers([], 0), false);
    assert.equal(retentionDiffers(undefined, 0), false);
    assert.equal(retentionDiffers([{ everySeconds: 0 }], 0), false);
    assert.equal(retentionDiffers([], 30), true);
  });
});
