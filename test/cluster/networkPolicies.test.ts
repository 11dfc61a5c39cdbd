/**
 * The stream's NetworkPolicies enforced on a real node (kube-network-policies, docs/cluster.md "NetworkPolicies"):
 * a stream of one symbol and one interval turns Ready and stores every candle exactly under its default deny, so
 * the allow rules carry the whole pipeline (DNS to CoreDNS, the consumers to InfluxDB); then, from inside pods,
 * a pod of the namespace that is not the stream's is cut off from InfluxDB's port while the workers connect,
 * and the outsider still reaches what is open to anyone (a producer's metrics port).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBinanceServer } from '../support/binanceServer.ts';
import type { BinanceServer } from '../support/binanceServer.ts';
import { nodeCluster, tools } from '../support/cluster.ts';
import {
  assertStreamExact,
  BACKFILL_FROM,
  childNames,
  installOperator,
  isReady,
  podsIn,
  removeOperator,
  restrictedNamespace,
  streamInflux,
  streamManifest,
  uniqueName,
  waitReady,
} from './stream.ts';
import type { Markets } from './stream.ts';

const c = nodeCluster();
const { kubectl, apply, getJson } = tools(c);

const MARKETS: Markets = { symbols: ['BTCUSDC'], intervals: ['1h'], from: BACKFILL_FROM };
/** How long a probe waits for the TCP handshake: a dropped SYN is retried after 1 s and 3 s, then this ends it. */
const CONNECT_TIMEOUT_MS = 5_000;

/** A container spec that the `restricted` Pod Security Standard admits. */
const restricted = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  runAsNonRoot: true,
  seccompProfile: { type: 'RuntimeDefault' },
};

/**
 * Opens one TCP connection from inside a pod (Node.js is in the project image) and says how it went:
 * `connected`, `timeout` (the SYN was dropped), or `error <code>` (refused, unreachable, …).
 */
const PROBE = `const net = require('net');
const [host, port, ms] = process.argv.slice(1);
const s = net.connect({ host, port: Number(port) });
const done = (r) => { process.stdout.write(r); s.destroy(); process.exit(0); };
s.setTimeout(Number(ms), () => done('timeout'));
s.on('connect', () => done('connected'));
s.on('error', (e) => done('error ' + e.code));`;

describe("a stream's NetworkPolicies, enforced on the node", () => {
  const operatorNs = uniqueName('cs-operator');
  const ns = uniqueName('cs-netpol');
  const release = uniqueName('cryptostream');
  const name = uniqueName('netpol');
  const n = childNames(ns, name);
  const outsider = 'outsider';
  let binance: BinanceServer;

  /** The result of PROBE from the first container of `pod` to `host:port`. */
  const probe = async (pod: string, host: string, port: number): Promise<string> =>
    kubectl('-n', ns, 'exec', pod, '--', 'node', '-e', PROBE, host, String(port), String(CONNECT_TIMEOUT_MS));

  const podOf = async (component: string): Promise<string> => {
    const [pod] = (await podsIn(c, ns, `app.kubernetes.io/component=${component}`)).filter(isReady);
    assert.ok(pod !== undefined, `a Ready ${component} pod`);
    return pod.metadata.name;
  };

  const influxdbClusterIp = async (): Promise<string> =>
    (await getJson<{ spec: { clusterIP: string } }>('service', '-n', ns, n.influxdb)).spec.clusterIP;

  before(async () => {
    binance = await startBinanceServer({ host: c.hostAddress });
    await restrictedNamespace(c, operatorNs);
    await restrictedNamespace(c, ns);
    await installOperator(c, release, operatorNs, ns);
  });

  after(async () => {
    await binance?.close();
    await removeOperator(c, release, operatorNs, [ns]);
  });

  it('under its default deny the stream is Ready and stores every candle exactly', async () => {
    await apply([
      streamManifest(c, binance, ns, name, {
        symbols: [...MARKETS.symbols],
        intervals: [...MARKETS.intervals],
      }),
    ]);
    await waitReady(c, ns, name);
    const policies = (await kubectl('-n', ns, 'get', 'networkpolicies', '-o', 'name')).split('\n').sort();
    assert.deepEqual(
      policies.filter((p) => p !== ''),
      [n.consumers, n.defaultDeny, n.dns, n.influxdb, n.producers].map(
        (p) => `networkpolicy.networking.k8s.io/${p}`,
      ),
    );
    const { run, forward } = await streamInflux(c, ns, name);
    try {
      await assertStreamExact(run, binance, MARKETS);
    } finally {
      await forward.stop();
    }
  });

  it("a pod that is not the stream's cannot open InfluxDB's port; it still reaches what is open to anyone", async () => {
    await apply(
      [
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: outsider, labels: { app: outsider } },
          spec: {
            containers: [
              {
                name: outsider,
                image: c.image,
                imagePullPolicy: 'Never',
                command: ['node', '-e', 'setInterval(() => {}, 1 << 30)'],
                securityContext: restricted,
              },
            ],
          },
        },
      ],
      ns,
    );
    await kubectl('-n', ns, 'wait', `pod/${outsider}`, '--for=condition=Ready', '--timeout=120s');
    const influxdb = await influxdbClusterIp();
    assert.equal(await probe(outsider, influxdb, 8086), 'timeout', 'outsider → InfluxDB 8086');
    const producer = await getJson<{ status: { podIP: string } }>('pod', '-n', ns, await podOf('producer'));
    // The workers' metrics port is open to anyone (Prometheus's namespace and labels are unknown): the
    // outsider's network works, only what the policies close is closed.
    assert.equal(await probe(outsider, producer.status.podIP, 8080), 'connected', 'outsider → producer 8080');
  });

  it('the workers reach InfluxDB: the consumers store, the producer reads the stored series and writes its health points', async () => {
    const influxdb = await influxdbClusterIp();
    assert.equal(await probe(await podOf('consumer'), influxdb, 8086), 'connected', 'consumer → InfluxDB');
    assert.equal(await probe(await podOf('producer'), influxdb, 8086), 'connected', 'producer → InfluxDB');
  });
});
