/**
 * The one-node cluster itself (npm run cluster:up): the node is Ready, pods get IPs, Services (ClusterIP,
 * NodePort) and cluster DNS work inside pods, names outside the cluster do not resolve, `kubectl logs`, `exec`,
 * `port-forward` and `top` answer, a PVC is provisioned and bound, and an image that is not in the node's store
 * fails at once instead of being pulled from outside.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { nodeCluster, portForward, tools, until } from '../support/cluster.ts';

const c = nodeCluster();
const { kubectl, apply, getJson } = tools(c);
const ns = `node-${randomUUID().slice(0, 8)}`;

/** A container spec that the `restricted` Pod Security Standard admits. */
const restricted = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  runAsNonRoot: true,
  seccompProfile: { type: 'RuntimeDefault' },
};

/** A small HTTP server in the project image (Node.js): answers with its pod name, logs each request. */
const WEB = `require('http').createServer((q, s) => { console.log('request ' + q.url); s.end(process.env.POD) }).listen(8080, () => console.log('listening'))`;

type Pod = {
  metadata: { name: string };
  status: {
    phase: string;
    podIP?: string;
    containerStatuses?: { ready: boolean; state: { waiting?: { reason: string; message?: string } } }[];
  };
};

const podsOf = async (selector: string): Promise<Pod[]> =>
  (await getJson<{ items: Pod[] }>('pods', '-n', ns, '-l', selector)).items;

/** Runs a Node.js snippet inside the web pod (`kubectl exec`) and returns its stdout. */
const inPod = async (pod: string, script: string): Promise<string> =>
  kubectl('-n', ns, 'exec', pod, '--', 'node', '-e', script);

describe('the one-node cluster', () => {
  let web: string;

  before(async () => {
    await kubectl('create', 'namespace', ns);
    await kubectl('label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=restricted');
    await apply(
      [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web' },
          spec: {
            replicas: 1,
            selector: { matchLabels: { app: 'web' } },
            template: {
              metadata: { labels: { app: 'web' } },
              spec: {
                containers: [
                  {
                    name: 'web',
                    image: c.image,
                    imagePullPolicy: 'Never',
                    command: ['node', '-e', WEB],
                    env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
                    ports: [{ containerPort: 8080 }],
                    readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 1 },
                    securityContext: restricted,
                  },
                ],
              },
            },
          },
        },
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'web' },
          spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
        },
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'web-nodeport' },
          spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
        },
      ],
      ns,
    );
    await kubectl('-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=180s');
    web = (await podsOf('app=web'))[0]!.metadata.name;
  });

  after(async () => {
    await kubectl('delete', 'namespace', ns, '--wait=false');
  });

  it('has one Ready node that runs the pod with an address from the pod range', async () => {
    const node = await getJson<{ status: { conditions: { type: string; status: string }[] } }>(
      'node',
      c.nodeName,
    );
    assert.equal(node.status.conditions.find((x) => x.type === 'Ready')?.status, 'True');
    const [pod] = await podsOf('app=web');
    assert.equal(pod!.status.phase, 'Running');
    assert.match(pod!.status.podIP ?? '', /^10\.244\.0\.\d+$/);
  });

  it('serves a ClusterIP Service by its cluster DNS name inside pods', async () => {
    // kube-proxy programs the Service a moment after the endpoint turns ready.
    const out = await until(
      () =>
        inPod(
          web,
          `fetch('http://web.${ns}.svc.cluster.local/').then(r => r.text()).then(t => process.stdout.write(t))`,
        ),
      'the Service answers',
      30_000,
    );
    assert.equal(out, web);
  });

  it('resolves the API server by name and reaches it through its Service', async () => {
    const out = await inPod(
      web,
      `require('dns').promises.lookup('kubernetes.default.svc.cluster.local').then(a => process.stdout.write(a.address))`,
    );
    assert.equal(out, '10.96.0.1');
    const status = await inPod(
      web,
      `fetch('https://kubernetes.default.svc/livez').then(r => process.stdout.write(String(r.status)), e => process.stdout.write(String(e.cause?.code ?? e)))`,
    );
    // The pod does not trust the cluster CA in this snippet: a TLS verification error proves the connection.
    assert.match(
      status,
      /^(200|401|403|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/,
    );
  });

  it('answers NXDOMAIN for names outside the cluster (no upstream DNS)', async () => {
    const out = await inPod(
      web,
      `require('dns').promises.resolve4('api.binance.com').then(a => process.stdout.write('resolved ' + a), e => process.stdout.write(e.code))`,
    );
    assert.equal(out, 'ENOTFOUND');
  });

  it('serves a NodePort on the node address', async () => {
    const svc = await getJson<{ spec: { ports: { nodePort: number }[] } }>(
      'service',
      '-n',
      ns,
      'web-nodeport',
    );
    const res = await fetch(`http://${c.hostAddress}:${svc.spec.ports[0]!.nodePort}/`);
    assert.equal(await res.text(), web);
  });

  it('port-forwards to a pod and shows its logs', async () => {
    const pf = await portForward(c, ns, `pod/${web}`, 8080);
    try {
      const res = await fetch(`http://127.0.0.1:${pf.port}/through-port-forward`);
      assert.equal(await res.text(), web);
    } finally {
      await pf.stop();
    }
    const logs = await kubectl('-n', ns, 'logs', web);
    assert.match(logs, /^listening$/m);
    assert.match(logs, /^request \/through-port-forward$/m);
  });

  it('answers kubectl top for the node and the pod (metrics-server)', async () => {
    const nodes = await until(
      async () => (await kubectl('top', 'node', '--no-headers')).trim() || false,
      'kubectl top node answers',
    );
    assert.match(nodes, new RegExp(`^${c.nodeName}\\s+\\d+m\\s+\\d+%`));
    const pods = await until(
      async () => (await kubectl('-n', ns, 'top', 'pod', web, '--no-headers')).trim() || false,
      'kubectl top pod answers',
    );
    assert.match(pods, new RegExp(`^${web}\\s+\\d+m\\s+\\d+Mi`));
  });

  it('provisions and binds a PVC of the default StorageClass, writable by the pod', async () => {
    await apply(
      [
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Mi' } } },
        },
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'writer' },
          spec: {
            restartPolicy: 'Never',
            containers: [
              {
                name: 'writer',
                image: c.image,
                imagePullPolicy: 'Never',
                command: ['node', '-e', `require('fs').writeFileSync('/data/x', 'ok'); console.log('wrote')`],
                volumeMounts: [{ name: 'data', mountPath: '/data' }],
                securityContext: restricted,
              },
            ],
            volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
          },
        },
      ],
      ns,
    );
    await until(
      async () => (await getJson<Pod>('pod', '-n', ns, 'writer')).status.phase === 'Succeeded' || undefined,
      'the writer pod succeeded',
    );
    const pvc = await getJson<{ status: { phase: string }; spec: { storageClassName: string } }>(
      'pvc',
      '-n',
      ns,
      'data',
    );
    assert.equal(pvc.status.phase, 'Bound');
    assert.equal(pvc.spec.storageClassName, c.storageClass);
    assert.match(await kubectl('-n', ns, 'logs', 'writer'), /^wrote$/m);
  });

  it('fails a pod whose image is not in the node store with ErrImagePull, pulling nothing from outside', async () => {
    await apply(
      [
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'absent-image' },
          spec: {
            containers: [
              {
                name: 'x',
                image: 'docker.io/library/busybox:1.37',
                securityContext: { ...restricted, runAsUser: 1000 },
              },
            ],
          },
        },
      ],
      ns,
    );
    const waiting = await until(async () => {
      const pod = await getJson<Pod>('pod', '-n', ns, 'absent-image');
      const w = pod.status.containerStatuses?.[0]?.state.waiting;
      return w !== undefined && /ErrImagePull|ImagePullBackOff/.test(w.reason) ? w : undefined;
    }, 'the pull of an absent image failed');
    assert.match(waiting.message ?? '', /127\.0\.0\.1:1/);
  });
});
