import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  bodiesOf,
  concatBodies,
  lineWriter,
  linesOf,
  NO_BODIES,
  utf8Of,
} from '../../../src/core/points/lineBodies.ts';
import { decimalText } from '../../../src/core/points/lineProtocol.ts';

const text = (body: Uint8Array): string => new TextDecoder().decode(body);

describe('a line writer', () => {
  it('writes text as TextEncoder does, whatever its characters (lone surrogates as U+FFFD), short or long', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 160 }), fc.string({ maxLength: 10 }), (s, ascii) => {
        const w = lineWriter(1); // growing from the smallest body on
        w.text(ascii);
        w.text(s);
        w.endLine();
        assert.deepEqual(w.bodies().bodies[0], new TextEncoder().encode(ascii + s));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes integers and decimals as their texts', () => {
    const integers = [0, 7, 10, 999_999_999, 1e9, 1_726_444_800_000, 1e18 + 1, Number.MAX_SAFE_INTEGER];
    const odd = [-1, 0.5, 2 ** 53 + 2, Number.NaN];
    const decimals = ['0.00000000', '63010.50000000', '0.00000012', '1234567890123456.12345678', '1.5'];
    const w = lineWriter(8);
    for (const n of [...integers, ...odd]) w.integer(n);
    w.endLine();
    for (const d of decimals) w.decimal(d);
    w.endLine();
    assert.deepEqual(linesOf(w.bodies()), [
      [...integers, ...odd].map(String).join(''),
      decimals.map(decimalText).join(''),
    ]);
  });

  it('writes integers as their texts over the safe range', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        const w = lineWriter(1);
        w.integer(n);
        w.endLine();
        return text(w.bodies().bodies[0]!) === String(n);
      }),
      { numRuns: 5000 },
    );
  });

  it('copies bytes, and the current line from a mark into another writer', () => {
    const a = lineWriter(4);
    const b = lineWriter(4);
    a.bytes(utf8Of('key '));
    const mark = a.mark();
    a.bytes(utf8Of('x'.repeat(100))); // a long copy
    a.text('=1');
    b.text('other ');
    a.copyTo(b, mark);
    a.endLine();
    b.endLine();
    assert.deepEqual(linesOf(a.bodies()), [`key ${'x'.repeat(100)}=1`]);
    assert.deepEqual(linesOf(b.bodies()), [`other ${'x'.repeat(100)}=1`]);
  });

  it('cuts a body every `linesPerBody` lines, without a trailing newline, and leaves out a line not ended', () => {
    const w = lineWriter(16, 3);
    for (let i = 0; i < 7; i++) {
      w.text(`line ${i}`);
      w.endLine();
    }
    w.text('not ended');
    const { bodies, lines } = w.bodies();
    assert.equal(lines, 7);
    assert.deepEqual(bodies.map(text), ['line 0\nline 1\nline 2', 'line 3\nline 4\nline 5', 'line 6']);
    assert.deepEqual(lineWriter().bodies(), NO_BODIES);
  });
});

describe('bodies of lines', () => {
  it('are the lines joined by newlines, 5,000 per body, and read back as the lines', () => {
    const lines = Array.from({ length: 12_001 }, (_, i) => `m,t=${i} v=${i / 7} ${i}`);
    const b = bodiesOf(lines);
    assert.equal(b.lines, 12_001);
    assert.deepEqual(
      b.bodies.map(text),
      [lines.slice(0, 5000), lines.slice(5000, 10_000), lines.slice(10_000)].map((l) => l.join('\n')),
    );
    assert.deepEqual(linesOf(b), lines);
    assert.deepEqual(bodiesOf([]), NO_BODIES);
  });

  it('are concatenated in order', () => {
    const c = concatBodies(bodiesOf(['a', 'b']), NO_BODIES, bodiesOf(['c']));
    assert.equal(c.lines, 3);
    assert.deepEqual(linesOf(c), ['a', 'b', 'c']);
  });
});
