/**
 * `helm upgrade` of the operator to a newly built image with 2 replicas, on a real node: the Deployment's
 * rolling update completes (standbys are ready, the leader hands the Lease over when it is stopped), and the new
 * pods run the new image, one of them leading.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { nodeCluster, splitImage, tools, until } from '../support/cluster.ts';
import { CHART, installOperator, removeOperator, restrictedNamespace, uniqueName } from './stream.ts';

const c = nodeCluster();
const { kubectl, getJson, helm } = tools(c);
const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

/** A new image of the project (same content, another ID and tag), built and loaded into the node's store. */
const newImage = async (suffix: string): Promise<string> => {
  const { stdout } = await run(
    'bash',
    [join(ROOT, 'scripts', 'cluster', 'images.sh'), 'project', '--tag-suffix', suffix],
    {
      maxBuffer: 1 << 24,
    },
  );
  const [ref, archive] = stdout.trim().split('\n').pop()!.split(' ');
  assert.ok(
    ref !== undefined && archive !== undefined,
    `images.sh project printed "<ref> <archive>": ${stdout}`,
  );
  await run('bash', [join(ROOT, 'scripts', 'cluster', 'images.sh'), 'load', archive], { maxBuffer: 1 << 24 });
  return ref;
};

type Pod = {
  metadata: { name: string };
  spec: { containers: { image: string }[] };
  status: { phase: string; conditions?: { type: string; status: string }[] };
};

describe('helm upgrade of the operator on the one-node cluster', () => {
  const ns = uniqueName('cs-upgrade');
  const release = uniqueName('cryptostream');

  before(async () => {
    await restrictedNamespace(c, ns);
    await installOperator(c, release, ns, ns, ['--set', 'replicaCount=2']);
  });

  after(async () => {
    await removeOperator(c, release, ns, [ns]);
  });

  it('rolls 2 replicas to a newly built image: the rollout completes and one new pod leads', async () => {
    const image = await newImage('upgrade');
    assert.notEqual(image, c.image);
    const { repository, tag } = splitImage(image);
    await helm(
      'upgrade',
      release,
      CHART,
      '--namespace',
      ns,
      '--reuse-values',
      '--set',
      `image.repository=${repository}`,
      '--set',
      `image.tag=${tag}`,
      '--wait',
      '--timeout',
      '5m',
    );
    await kubectl('-n', ns, 'rollout', 'status', `deployment/${release}`, '--timeout=60s');
    // The old pods stop on SIGTERM (the leader hands its Lease over first) and go away.
    const pods = await until(
      async () => {
        const items = (await getJson<{ items: Pod[] }>('pods', '-n', ns)).items;
        return items.length === 2 ? items : undefined;
      },
      'only the 2 new operator pods are left',
      60_000,
    );
    for (const p of pods) {
      assert.equal(p.spec.containers[0]!.image, image, p.metadata.name);
      assert.equal(p.status.phase, 'Running', p.metadata.name);
      assert.ok(
        p.status.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'),
        `${p.metadata.name} is Ready`,
      );
    }
    // The leaving leader releases the Lease (an empty holder); a new pod takes it at its next try, every
    // retry period (2 s), or once the Lease expires (15 s) had the release not reached the API server.
    let holder: string | undefined;
    await until(
      async () => {
        const lease = await getJson<{ spec: { holderIdentity?: string } }>(
          'lease',
          '-n',
          ns,
          'cryptostream-operator',
        );
        holder = lease.spec.holderIdentity;
        return pods.some((p) => p.metadata.name === holder);
      },
      `a new pod holds the Lease (within a Lease duration and a retry period)`,
      30_000,
    ).catch((e: unknown) => {
      throw new Error(`${String(e)} (holder: ${holder})`);
    });
  });
});
