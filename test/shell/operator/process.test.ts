import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { LEASE, resourceOf } from '../../../src/shell/operator/resources.ts';
import { aStream, cluster, deleteNamespace, eventually, freshNamespace, installCrd } from './cluster.ts';

const { kube, services } = cluster();
const command = join(import.meta.dirname, '..', '..', '..', 'src', 'shell', 'operator', 'command.ts');

const freePort = async (): Promise<number> => {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  return port;
};

describe('`cryptostream operator` as a process', () => {
  let ns = '';
  before(async () => {
    await installCrd(kube);
    ns = await freshNamespace(kube, 'process');
  });
  after(async () => deleteNamespace(kube, ns));

  it('takes the Lease, reconciles, serves its endpoints, and hands the Lease back on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { run } = await import(${JSON.stringify(command)}); process.exitCode = await run(process.argv.slice(1));`,
        '--',
        '--namespace',
        ns,
        '--lease-namespace',
        ns,
        '--identity',
        'process-test',
        '--http-port',
        String(port),
        '--http-host',
        '127.0.0.1',
        '--log-level',
        'warn',
      ],
      {
        env: { ...process.env, KUBECONFIG: services.kube.kubeconfig },
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    const exited = once(child, 'exit');
    try {
      await kube.apply(aStream(ns, 'proc', { symbols: ['BTCUSDC'] }));
      await eventually(
        async () => kube.get(resourceOf('apps/v1', 'Deployment'), ns, 'proc-consumer-1m'),
        'the operator created the consumer',
      );
      await eventually(
        async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200,
        '/readyz answers 200',
      );
      assert.match(
        await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
        /cryptostream_operator_leader 1/,
      );
      const lease = await kube.get<KubernetesObject & { spec: { holderIdentity: string } }>(
        LEASE,
        ns,
        'cryptostream-operator',
      );
      assert.equal(lease?.spec.holderIdentity, 'process-test');
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await exited;
    assert.equal(code, 0);
    const released = await kube.get<KubernetesObject & { spec: { holderIdentity?: string } }>(
      LEASE,
      ns,
      'cryptostream-operator',
    );
    assert.equal(released?.spec.holderIdentity ?? '', '');
  });
});
