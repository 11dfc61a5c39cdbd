import { spawn } from 'node:child_process';
import { join } from 'node:path';

export type CliRun = { readonly status: number | null; readonly stdout: string; readonly stderr: string };

const bin = join(import.meta.dirname, '..', '..', 'bin', 'cryptostream.js');

/** Runs the built CLI (`bin/cryptostream.js`, as users and the image run it) with optional stdin. */
export const runCli = (args: readonly string[], stdin?: string): Promise<CliRun> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });

/** The JSON lines of a text, parsed. */
export const jsonLines = (text: string): unknown[] =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as unknown);
