import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Candle } from '../../../src/core/kline/candle.ts';
import { intervals } from '../../../src/core/kline/interval.ts';
import { describeRejection, parseKlines } from '../../../src/core/kline/parse.ts';
import { toRestRow } from '../../../src/core/kline/rest.ts';
import { candleSeries, malformedRow, seriesWithCopies, type Malformed } from '../../fixtures/arbitraries.ts';

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

describe('parseKlines on valid data mixed with malformed copies (property)', () => {
  type Line = { readonly row: readonly unknown[]; readonly valid?: Candle; readonly copy?: Malformed };
  const shapes = {
    document: (rows: (readonly unknown[])[]) => JSON.stringify(rows),
    'row per line': (rows: (readonly unknown[])[]) => rows.map((r) => JSON.stringify(r)).join('\n'),
    'CSV line per line': (rows: (readonly unknown[])[]) => rows.map((r) => r.join(',')).join('\n'),
  };
  const mixed = fc
    .constantFrom(...intervals)
    .chain((interval) =>
      fc.record({
        interval: fc.constant(interval),
        given: fc.boolean(),
        shape: fc.constantFrom(...(Object.keys(shapes) as (keyof typeof shapes)[])),
        series: seriesWithCopies(interval, malformedRow),
      }),
    )
    .chain(({ series, ...rest }) => {
      const records: Line[] = [
        ...series.candles.map((c) => ({ row: toRestRow(c), valid: c })),
        ...series.copies.map(({ copy }) => ({ row: copy.row, copy })),
      ];
      return fc
        .shuffledSubarray(records, { minLength: records.length, maxLength: records.length })
        .map((shuffled) => ({ ...rest, records: shuffled }));
    });

  it('accepts exactly the valid records, in any order, and rejects every copy where it stands, saying why', () => {
    fc.assert(
      fc.property(mixed, ({ interval, given, shape, records }) => {
        const text = shapes[shape](records.map((r) => r.row));
        const results = parseKlines(text, given ? interval : undefined);
        assert.equal(results.length, records.length);
        records.forEach((record, i) => {
          const result = results[i]!;
          if (record.valid !== undefined) {
            if (!result.ok) assert.fail(`a valid record was rejected: ${describeRejection(result.error)}`);
            assert.deepEqual(result.value.candle, record.valid);
            return;
          }
          assert.ok(!result.ok, `a ${record.copy!.kind} was accepted: ${JSON.stringify(record.row)}`);
          assert.equal(result.error.position.record, i + 1);
          if (shape !== 'document') assert.equal(result.error.position.line, i + 1);
          assert.ok(result.error.reason.length > 0);
          const fields = record.copy!.fields;
          if (shape !== 'CSV line per line' && fields.length > 0)
            assert.ok(
              fields.includes(result.error.field ?? ''),
              `${record.copy!.kind}: ${describeRejection(result.error)}`,
            );
        });
      }),
      { numRuns: 300 },
    );
  });
});
