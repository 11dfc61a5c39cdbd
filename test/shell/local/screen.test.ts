import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { screenOf } from '../../../src/shell/local/screen.ts';

const capture = (isTTY: boolean, columns?: number) => {
  let text = '';
  return {
    out: { isTTY, ...(columns === undefined ? {} : { columns }), write: (t: string) => (text += t) },
    text: () => text,
  };
};

describe("local's stderr", () => {
  it('on a terminal, the block is rewritten in place and other lines go above it', () => {
    const c = capture(true, 100);
    const s = screenOf(c.out);
    assert.equal(s.live, true);
    s.draw(['a', 'b']);
    s.draw(['c', 'd']);
    s.print('log line\n');
    s.close();
    s.draw(['ignored']);
    s.print('after\n');
    assert.equal(c.text(), 'a\nb\n\x1b[2F\x1b[Jc\nd\n\x1b[2F\x1b[Jlog line\nc\nd\nafter\n');
  });

  it('lines no wider than the terminal, so that the block can be found again', () => {
    const c = capture(true, 30);
    screenOf(c.out).draw(['x'.repeat(50)]);
    assert.equal(c.text(), `${'x'.repeat(29)}\n`);
  });

  it('elsewhere, no block and no escape codes: lines as they come', () => {
    const c = capture(false);
    const s = screenOf(c.out);
    assert.equal(s.live, false);
    s.draw(['a']);
    s.print('one\n');
    assert.equal(c.text(), 'one\n');
  });
});
