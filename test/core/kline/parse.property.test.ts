import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseKlines } from '../../../src/core/kline/parse.ts';
import { toRestRow } from '../../../src/core/kline/rest.ts';
import { candleSeries } from '../../fixtures/arbitraries.ts';

describe('parseKlines laws (property)', () => {
  it('parse ∘ serialise is the identity, as a document and one row per line', () => {
    fc.assert(
      fc.property(candleSeries('1m', 5), (candles) => {
        const rows = candles.map(toRestRow);
        for (const text of [JSON.stringify(rows), rows.map((r) => JSON.stringify(r)).join('\n')]) {
          const parsed = parseKlines(text).map((r) => (r.ok ? r.value.candle : r.error));
          assert.deepEqual(parsed, candles);
        }
      }),
    );
  });

  it('never throws on arbitrary text, and accounts for every non-blank line', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.json()), { maxLength: 8 }), (lines) => {
        const text = lines.join('\n');
        const results = parseKlines(text);
        for (const r of results)
          if (!r.ok) assert.ok(r.error.reason.length > 0 && r.error.position.record >= 1);
        if (!/^\s*[[{]/.test(text)) {
          const nonBlank = lines
            .flatMap((l) => l.split(/\r?\n/))
            .filter((l) => !/^\s*[[\]]?\s*,?\s*$/.test(l));
          assert.equal(results.length, nonBlank.length);
        }
      }),
    );
  });

  it('reports every corrupted field of an otherwise valid row and keeps its neighbours', () => {
    fc.assert(
      fc.property(
        candleSeries('1m', 3),
        fc.integer({ min: 0, max: 10 }),
        fc.oneof(
          fc.constant(null),
          fc.constant(-1),
          fc.constant('x'),
          fc.constant('1.123456789'),
          fc.constant({}),
        ),
        (candles, field, junk) => {
          const rows: unknown[][] = candles.map(toRestRow);
          rows[1]![field] = junk;
          const results = parseKlines(rows.map((r) => JSON.stringify(r)).join('\n'));
          assert.equal(results.length, 3);
          assert.ok(results[0]!.ok && results[2]!.ok);
          const middle = results[1]!;
          assert.ok(!middle.ok);
          assert.deepEqual(middle.error.position, { record: 2, line: 2 });
        },
      ),
    );
  });
});
