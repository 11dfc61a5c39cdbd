/**
 * A memory limit for a benchmark's child process, the way a pod's container has one: its own memory cgroup
 * (v1 or v2) with the limit set, entered by the process before Node starts. Node sizes V8's heap from the
 * memory it is given (`process.constrainedMemory()`), so a consumer limited like its pod runs with the
 * defaults it has in the cluster, not those of the whole machine. Needs root (cgroup directories).
 */
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = '/sys/fs/cgroup';

export type MemoryLimit = {
  /** The command and arguments that run `argv` inside the cgroup (a shell that enters it, then `exec`s). */
  readonly wrap: (argv: readonly string[]) => readonly [string, readonly string[]];
  /** Removes the cgroup once its process has exited. */
  readonly remove: () => void;
};

export const memoryLimit = (name: string, bytes: number): MemoryLimit => {
  const v2 = existsSync(join(ROOT, 'cgroup.controllers'));
  const dir = v2 ? join(ROOT, name) : join(ROOT, 'memory', name);
  try {
    mkdirSync(dir);
    writeFileSync(join(dir, v2 ? 'memory.max' : 'memory.limit_in_bytes'), String(bytes));
  } catch (e) {
    throw new Error(`cannot make the memory cgroup ${dir} (BENCH_MEMORY_LIMIT needs root): ${String(e)}`, {
      cause: e,
    });
  }
  return {
    wrap: (argv) => ['/bin/sh', ['-c', 'echo $$ > "$0" && exec "$@"', join(dir, 'cgroup.procs'), ...argv]],
    remove: () => rmdirSync(dir),
  };
};
