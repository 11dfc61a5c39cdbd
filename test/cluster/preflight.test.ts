/**
 * `cluster:up` on a machine that lacks a capability stops with one line naming it (scripts/cluster/preflight),
 * shown with the cgroup and /proc folders it checks pointed at incomplete copies.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const PREFLIGHT = join(import.meta.dirname, '..', '..', 'scripts', 'cluster', 'preflight');
const dir = mkdtempSync(join(tmpdir(), 'preflight-'));

const preflight = (env: Record<string, string>) => {
  const r = spawnSync('bash', [PREFLIGHT], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { status: r.status, lines: r.stderr.split('\n').filter((l) => l !== '') };
};

describe('cluster:up preflight', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('passes on this machine', () => {
    assert.deepEqual(preflight({}), { status: 0, lines: [] });
  });

  it('names missing cgroups', () => {
    assert.deepEqual(preflight({ CRYPTOSTREAM_CGROUP_ROOT: join(dir, 'none') }), {
      status: 1,
      lines: [`[cluster] this machine lacks cgroups (${join(dir, 'none')} is missing)`],
    });
  });

  it('names a missing cgroup v1 controller', () => {
    const cgroup = join(dir, 'cgroup');
    mkdirSync(cgroup);
    assert.deepEqual(preflight({ CRYPTOSTREAM_CGROUP_ROOT: cgroup }), {
      status: 1,
      lines: [`[cluster] this machine lacks the cgroup v1 controller 'cpu' (${cgroup}/cpu)`],
    });
  });

  it('names br_netfilter when bridged traffic bypasses iptables', () => {
    const proc = join(dir, 'proc');
    mkdirSync(join(proc, 'sys', 'net', 'bridge'), { recursive: true });
    writeFileSync(join(proc, 'sys', 'net', 'bridge', 'bridge-nf-call-iptables'), '0\n');
    // (procfs files report size 0: read, not copied)
    writeFileSync(join(proc, 'filesystems'), readFileSync('/proc/filesystems'));
    assert.deepEqual(preflight({ CRYPTOSTREAM_PROC_ROOT: proc }), {
      status: 1,
      lines: [
        '[cluster] this machine lacks bridge-nf-call-iptables = 1 (br_netfilter is loaded but off: sysctl net.bridge.bridge-nf-call-iptables=1)',
      ],
    });
  });
});
