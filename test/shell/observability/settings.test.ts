import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isoTime } from '../../../src/shell/observability/settings.ts';

const midnight = Date.UTC(2024, 8, 16);

describe('isoTime: ISO 8601 instants, the same on every machine', () => {
  for (const [text, expected] of [
    ['2024-09-16', midnight],
    ['2024-09-16T00:00Z', midnight],
    ['2024-09-16T00:00:00Z', midnight],
    ['2024-09-16T00:00:00.000Z', midnight],
    ['2024-09-16T00:00:00.5Z', midnight + 500],
    ['2024-09-16T05:30:00+05:30', midnight],
    ['2024-09-15T19:00:00-05:00', midnight],
    ['2024-09-16t00:00:00z', midnight],
    ['2024-02-29T23:59:59.999Z', Date.UTC(2024, 1, 29, 23, 59, 59, 999)],
  ] as const)
    it(`${text} is ${new Date(expected).toISOString()}`, () => {
      assert.deepEqual(isoTime('from', text), { ok: true, value: expected });
    });

  it('no value is no time', () => {
    assert.deepEqual(isoTime('from', undefined), { ok: true, value: undefined });
  });

  for (const [text, why] of [
    ['2024-09-16T00:00:00', /--from "2024-09-16T00:00:00" has no zone designator .*add Z for UTC/],
    ['2024-09-16T00:00', /has no zone designator/],
    ['Sep 16 2024', /--from "Sep 16 2024" is not an ISO-8601 date or date-time/],
    ['Mon, 16 Sep 2024 00:00:00 GMT', /is not an ISO-8601/],
    ['1726444800000', /is not an ISO-8601/],
    ['2024-9-16', /is not an ISO-8601/],
    ['2024-09-16 00:00:00Z', /is not an ISO-8601/],
    ['2024-09-16T00:00:00.0001Z', /is not an ISO-8601/],
    ['2024-09-16T00:00:00+0530', /is not an ISO-8601/],
    ['', /is not an ISO-8601/],
    ['2024-02-30', /"2024-02-30" is not a valid calendar date and time/],
    ['2023-02-29T00:00:00Z', /is not a valid calendar date/],
    ['2024-13-01', /is not a valid calendar date/],
    ['2024-09-16T24:00:00Z', /is not a valid calendar date and time/],
    ['2024-09-16T00:60:00Z', /is not a valid calendar date and time/],
    ['2024-09-16T00:00:60Z', /is not a valid calendar date and time/],
    ['2024-09-16T00:00:00+24:00', /has an offset out of range/],
    ['2024-09-16T00:00:00+05:60', /has an offset out of range/],
  ] as const)
    it(`refuses ${JSON.stringify(text)}, naming the flag, the value and the accepted forms`, () => {
      const r = isoTime('from', text);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.match(r.error, why);
      assert.ok(r.error.startsWith(`--from ${JSON.stringify(text)} `), r.error);
      assert.match(r.error, /2024-09-16T00:00:00Z/, 'says what is accepted');
    });
});
