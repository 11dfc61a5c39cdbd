import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export type SourceRun = {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
};

const main = pathToFileURL(
  join(import.meta.dirname, '..', '..', '..', 'src', 'shell', 'cli', 'main.ts'),
).href;

/**
 * The CLI from source in a child process, as bin/cryptostream.js runs the build (`runAsProcess`), so that
 * tests need no build. `onStderr` sees stderr as it comes (and may signal the child).
 */
export const runFromSource = (
  args: readonly string[],
  o: {
    env?: Record<string, string>;
    onStderr?: (all: string, kill: (s: NodeJS.Signals) => void) => void;
  } = {},
): Promise<SourceRun> =>
  new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { runAsProcess } from ${JSON.stringify(main)}; await runAsProcess(process.argv.slice(1));`,
        '--',
        ...args,
      ],
      { env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      o.onStderr?.(stderr, (s) => child.kill(s));
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr, ms: Date.now() - started }));
  });
