import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { CryptoStream } from '../../../src/api/v1alpha1/cryptostream.ts';
import { CRYPTOSTREAM } from '../../../src/shell/operator/resources.ts';
import { aStream, cluster, eventually, operatorInFreshNamespace } from './cluster.ts';

const run = promisify(execFile);
const { kube, services } = cluster();
// Its own discovery cache: one that kubectl kept from before the CRD changed could lack the category.
const cacheDir = mkdtempSync(join(tmpdir(), 'kubectl-cache-'));
const kubectl = async (...args: string[]): Promise<string> =>
  (
    await run(
      services.kube.kubectl,
      ['--kubeconfig', services.kube.kubeconfig, '--cache-dir', cacheDir, ...args],
      {
        encoding: 'utf8',
      },
    )
  ).stdout;

/** The rows of a table kubectl printed, cells split where two or more spaces separate them. */
const table = (text: string): string[][] =>
  text
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s{2,}/));

type Crd = {
  spec: { versions: { additionalPrinterColumns: { name: string; jsonPath: string }[] }[] };
  status: { acceptedNames: { categories?: string[] }; conditions: { type: string; status: string }[] };
};

describe('kubectl get cryptostreams on a real API server', () => {
  const f = operatorInFreshNamespace('kubectl-get');

  after(() => {
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('serves the CRD with the category cryptostream and columns that read the status', async () => {
    const crd = await eventually(async () => {
      const r = await kube.request(
        'GET',
        '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/cryptostreams.cryptostream.io',
      );
      const c = r.body as Crd;
      return c.status.acceptedNames.categories?.includes('cryptostream') ? c : undefined;
    }, 'the API server accepted the category');
    assert.deepEqual(crd.status.acceptedNames.categories, ['cryptostream']);
    assert.deepEqual(
      crd.spec.versions[0]!.additionalPrinterColumns.slice(0, 2).map((c) => c.jsonPath),
      ['.status.symbols', '.status.intervals'],
    );
  });

  it('prints symbols and intervals comma-separated, not as JSON, with Ready and the age', async () => {
    await kube.apply(
      aStream(f.ns, 'majors', {
        symbols: ['BTCUSDC', 'ETHUSDC', 'XRPUSDC', 'SOLUSDC', 'ADAUSDC'],
        intervals: ['15m', '1h'],
      }),
    );
    await kube.apply(aStream(f.ns, 'solo', { symbols: ['BTCUSDC'] }));
    for (const name of ['majors', 'solo'])
      await eventually(async () => {
        const s = await kube.get<CryptoStream>(CRYPTOSTREAM, f.ns, name);
        return s?.status?.symbols !== undefined && s.status.conditions?.some((c) => c.type === 'Ready');
      }, `${name} has its status`);

    const out = await kubectl('get', 'cryptostreams', '-n', f.ns);
    assert.doesNotMatch(out, /[[\]"]/, out);
    const [header, ...rows] = table(out);
    assert.deepEqual(header, ['NAME', 'SYMBOLS', 'INTERVALS', 'READY', 'AGE']);
    assert.deepEqual(
      rows.map((r) => r.slice(0, 4)),
      [
        // Without Strimzi running the Kafka is never ready: Ready is False here.
        ['majors', 'BTCUSDC,ETHUSDC,XRPUSDC,SOLUSDC +1 more', '15m,1h', 'False'],
        ['solo', 'BTCUSDC', '1m', 'False'],
      ],
    );
    assert.match(rows[0]![4]!, /^\d+s$/);

    const [wide, ...wideRows] = table(await kubectl('get', 'cstream', '-n', f.ns, '-o', 'wide'));
    assert.deepEqual(wide, ['NAME', 'SYMBOLS', 'INTERVALS', 'READY', 'REASON', 'GRAFANA', 'AGE']);
    assert.deepEqual(
      wideRows.map((r) => r[4]),
      ['KafkaNotReady', 'KafkaNotReady'],
    );
    // No kubelet here: Grafana's Deployment never becomes available.
    for (const r of wideRows) assert.match(r[5]!, /^(NotCreated|Progressing|Unavailable)$/);
  });

  it('lists the streams by their category', async () => {
    assert.equal(
      (await kubectl('api-resources', '--categories', 'cryptostream', '-o', 'name')).trim(),
      'cryptostreams.cryptostream.io',
    );
    assert.deepEqual((await kubectl('get', 'cryptostream', '-n', f.ns, '-o', 'name')).trim().split('\n'), [
      'cryptostream.cryptostream.io/majors',
      'cryptostream.cryptostream.io/solo',
    ]);
    assert.doesNotMatch(
      await kubectl('api-resources', '--categories', 'all', '-o', 'name'),
      /cryptostreams/,
      'not in all: kubectl delete all --all leaves the streams and their data',
    );
  });
});
