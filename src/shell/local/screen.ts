/**
 * The stderr of `cryptostream local`: on a terminal a block of progress lines rewritten in place, with
 * every other line (logs, messages) printed above it; elsewhere lines as they come.
 */
export type Screen = {
  /** Whether the block is rewritten in place (a terminal). */
  readonly live: boolean;
  /** Replaces the block (a terminal only; nothing elsewhere). */
  readonly draw: (lines: readonly string[]) => void;
  /** Prints text (whole lines) above the block. */
  readonly print: (text: string) => void;
  /** Leaves the last block on the screen and stops rewriting it. */
  readonly close: () => void;
  /** Takes the block off the screen and stops rewriting it (a summary takes its place). */
  readonly clear: () => void;
};

type Out = {
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly write: (text: string) => unknown;
};

export const screenOf = (out: Out): Screen => {
  if (out.isTTY !== true)
    return {
      live: false,
      draw: () => undefined,
      print: (text) => void out.write(text),
      close: () => undefined,
      clear: () => undefined,
    };
  let block: readonly string[] = [];
  let shown = 0;
  let open = true;
  const erase = () => {
    // To the first column of the block's first line, then clear to the end of the screen.
    if (shown > 0) out.write(`\x1b[${shown}F\x1b[J`);
    shown = 0;
  };
  const show = () => {
    // Lines no wider than the terminal, so that each takes one row and the block can be found again.
    const width = out.columns !== undefined && out.columns > 0 ? Math.max(20, out.columns - 1) : Infinity;
    if (block.length > 0) out.write(`${block.map((l) => l.slice(0, width)).join('\n')}\n`);
    shown = block.length;
  };
  return {
    live: true,
    draw: (lines) => {
      if (!open) return;
      erase();
      block = lines;
      show();
    },
    print: (text) => {
      if (!open) {
        out.write(text);
        return;
      }
      erase();
      out.write(text.endsWith('\n') ? text : `${text}\n`);
      show();
    },
    close: () => {
      open = false;
    },
    clear: () => {
      if (open) erase();
      open = false;
    },
  };
};
