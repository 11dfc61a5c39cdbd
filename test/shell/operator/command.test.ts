import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { run } from '../../../src/shell/operator/command.ts';
import { makeMetrics, serveHttp } from '../../../src/shell/operator/metrics.ts';

describe('cryptostream operator', () => {
  it('prints its usage with --help and exits 0', async () => {
    assert.equal(await run(['--help']), 0);
  });

  it('exits 1 on an unknown option', async () => {
    assert.equal(await run(['--colour']), 1);
  });

  it('exits 1 when the port is not a number', async () => {
    assert.equal(await run(['--http-port', 'eighty']), 1);
  });

  it('exits 1 unless lease duration > renew deadline > retry period > 0', async () => {
    assert.equal(await run(['--lease-duration', '10', '--renew-deadline', '10']), 1);
    assert.equal(await run(['--renew-deadline', '2']), 1);
    assert.equal(await run(['--retry-period', '0']), 1);
    assert.equal(await run(['--retry-period', 'soon']), 1);
  });
});

describe('the operator HTTP endpoints', () => {
  it('serve /healthz, /readyz once ready, and the operator metrics', async () => {
    const metrics = makeMetrics();
    metrics.reconciles.inc({ result: 'success' });
    let ready = false;
    const server = await serveHttp(0, '127.0.0.1', metrics.registry, () => ready);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      assert.equal((await fetch(`${base}/readyz`)).status, 503);
      ready = true;
      assert.equal((await fetch(`${base}/readyz`)).status, 200);
      assert.match(
        await (await fetch(`${base}/metrics`)).text(),
        /cryptostream_operator_reconciles_total\{result="success"\} 1/,
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
