/**
 * The one-node cluster of `npm run cluster:up` (docs/cluster.md), as the cluster tests use it: its endpoints
 * from `.services/cluster.env`, and kubectl and helm run against it. A test that needs the cluster and does not
 * find it fails with a message saying how to start it.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { poll } from './poll.ts';
import { parseEnvFile } from './services.ts';

export type NodeCluster = {
  readonly kubeconfig: string;
  readonly kubectl: string;
  readonly helm: string;
  /** The address at which pods reach a server of this machine bound to it (or to 0.0.0.0). */
  readonly hostAddress: string;
  /** A Kafka that pods reach (`host:port`). */
  readonly kafkaBootstrap: string;
  /** The project image in the node's image store, `repository:tag`. */
  readonly image: string;
  readonly influxdbImage: string;
  readonly debianImage: string;
  readonly nodeName: string;
  readonly storageClass: string;
  /** Where the Strimzi cluster operator runs (it watches every namespace). */
  readonly strimziNamespace: string;
  /** The Kafka image that Strimzi runs for the default Kafka version. */
  readonly strimziKafkaImage: string;
};

export const clusterEnvPath = join(import.meta.dirname, '..', '..', '.services', 'cluster.env');

export const nodeCluster = (envPath: string = clusterEnvPath): NodeCluster => {
  const missing = (detail: string) =>
    new Error(`the one-node cluster is not running: run \`npm run cluster:up\` (${detail})`);
  if (!existsSync(envPath)) throw missing(`${envPath} does not exist`);
  const env = parseEnvFile(readFileSync(envPath, 'utf8'));
  const get = (key: string): string => {
    const value = env.get(key);
    if (value === undefined || value === '') throw missing(`${key} is missing in ${envPath}`);
    return value;
  };
  return {
    kubeconfig: get('CLUSTER_KUBECONFIG'),
    kubectl: get('KUBECTL'),
    helm: get('HELM'),
    hostAddress: get('CLUSTER_HOST_ADDRESS'),
    kafkaBootstrap: get('CLUSTER_KAFKA_BOOTSTRAP'),
    image: get('CLUSTER_IMAGE'),
    influxdbImage: get('CLUSTER_INFLUXDB_IMAGE'),
    debianImage: get('CLUSTER_DEBIAN_IMAGE'),
    nodeName: get('CLUSTER_NODE_NAME'),
    storageClass: get('CLUSTER_STORAGE_CLASS'),
    strimziNamespace: get('STRIMZI_OPERATOR_NAMESPACE'),
    strimziKafkaImage: get('STRIMZI_KAFKA_IMAGE'),
  };
};

const run = promisify(execFile);

/** The tools of the cluster, failing with their stderr. */
export const tools = (c: NodeCluster) => {
  const exec = async (tool: string, args: readonly string[], input?: string): Promise<string> => {
    const child = run(tool, [...args], { maxBuffer: 1 << 26, encoding: 'utf8' });
    if (input !== undefined) {
      child.child.stdin?.end(input);
    }
    return child.then(
      (r) => r.stdout,
      (e: { stderr?: string; message: string }) => {
        throw new Error(`${tool.split('/').pop()} ${args.join(' ')}: ${e.stderr ?? e.message}`);
      },
    );
  };
  const kubectl = (...args: string[]) => exec(c.kubectl, ['--kubeconfig', c.kubeconfig, ...args]);
  return {
    kubectl,
    /** `kubectl apply -f -` of objects (JSON is YAML). */
    apply: (objects: readonly unknown[], namespace?: string) =>
      exec(
        c.kubectl,
        [
          '--kubeconfig',
          c.kubeconfig,
          ...(namespace === undefined ? [] : ['-n', namespace]),
          'apply',
          '-f',
          '-',
        ],
        objects.map((o) => JSON.stringify(o)).join('\n---\n'),
      ),
    helm: (...args: string[]) => exec(c.helm, [...args, '--kubeconfig', c.kubeconfig]),
    /** `kubectl get -o json` parsed. */
    getJson: async <T = Record<string, unknown>>(...args: string[]): Promise<T> =>
      JSON.parse(await kubectl('get', ...args, '-o', 'json')) as T,
  };
};

export type PortForward = { readonly port: number; readonly stop: () => Promise<void> };

/** `kubectl port-forward` to a local port chosen by kubectl; resolves once it forwards. */
export const portForward = async (
  c: NodeCluster,
  namespace: string,
  target: string,
  remotePort: number,
): Promise<PortForward> => {
  const child: ChildProcess = spawn(
    c.kubectl,
    [
      '--kubeconfig',
      c.kubeconfig,
      '-n',
      namespace,
      'port-forward',
      '--address',
      '127.0.0.1',
      target,
      `:${remotePort}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(output);
      if (m) resolve(Number(m[1]));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`kubectl port-forward exited ${code}: ${output}`)));
  });
  return {
    port,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
};

/** Polls until `check` returns a value, retrying its errors; the deadline only ends a hung test. */
export const until = <T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 180_000,
  everyMs = 1_000,
): Promise<T> => poll(check, what, { timeoutMs, everyMs, retryErrors: true });

/** `repository:tag` split at the last colon after the last slash (a registry port is not a tag). */
export const splitImage = (image: string): { repository: string; tag: string } => {
  const colon = image.lastIndexOf(':');
  if (colon <= image.lastIndexOf('/')) return { repository: image, tag: 'latest' };
  return { repository: image.slice(0, colon), tag: image.slice(colon + 1) };
};
