import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { makeLogger } from '../observability/logger.ts';
import { startController } from './controller.ts';
import { makeKube } from './kube.ts';
import { elect } from './leader.ts';
import { makeMetrics, serveHttp } from './metrics.ts';

const usage = `Usage: cryptostream operator [options]

Runs the CryptoStream operator: reconciles every CryptoStream into its Kafka, InfluxDB, Grafana, producers
and consumers. Uses the in-cluster service account, or $KUBECONFIG (or ~/.kube/config) outside a cluster.

Options (environment variable in brackets):
  --namespace <ns>        watch only this namespace [CRYPTOSTREAM_WATCH_NAMESPACE] (default: all)
  --image <image>         image of the producers and consumers [CRYPTOSTREAM_IMAGE] (default: cryptostream:0.1.0)
  --http-port <port>      /metrics, /healthz and /readyz [CRYPTOSTREAM_HTTP_PORT] (default: 8080)
  --http-host <host>      address to listen on (default: 0.0.0.0)
  --no-leader-elect       run without the leader Lease (only one replica may run then)
  --lease-namespace <ns>  namespace of the Lease [POD_NAMESPACE] (default: default)
  --identity <id>         this replica's name in the Lease [POD_NAME] (default: the host name)
  --concurrency <n>       streams reconciled at once (default: 4)
  --log-level <level>     pino level [CRYPTOSTREAM_LOG_LEVEL] (default: info)`;

const LEASE_NAME = 'cryptostream-operator';

export const run = async (argv: readonly string[]): Promise<number> => {
  const env = process.env;
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      allowNegative: true,
      options: {
        namespace: { type: 'string' },
        image: { type: 'string' },
        'http-port': { type: 'string' },
        'http-host': { type: 'string' },
        'leader-elect': { type: 'boolean', default: true },
        'lease-namespace': { type: 'string' },
        identity: { type: 'string' },
        concurrency: { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    process.stderr.write(`cryptostream operator: ${e instanceof Error ? e.message : String(e)}\n${usage}\n`);
    return 1;
  }
  if (args.help === true) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const port = Number(args['http-port'] ?? env['CRYPTOSTREAM_HTTP_PORT'] ?? 8080);
  const concurrency = Number(args.concurrency ?? 4);
  if (
    !Number.isInteger(port) ||
    port < 0 ||
    port > 65535 ||
    !Number.isInteger(concurrency) ||
    concurrency < 1
  ) {
    process.stderr.write(
      `cryptostream operator: --http-port and --concurrency need whole numbers\n${usage}\n`,
    );
    return 1;
  }
  // empty (the chart's default) means every namespace, like unset
  const namespace = (args.namespace ?? env['CRYPTOSTREAM_WATCH_NAMESPACE']) || undefined;
  const log = makeLogger(args['log-level'] ?? env['CRYPTOSTREAM_LOG_LEVEL'] ?? 'info', 'operator');
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const kube = makeKube(kc);
  const metrics = makeMetrics();
  const identity = args.identity ?? env['POD_NAME'] ?? hostname();

  let controller: ReturnType<typeof startController> | undefined;
  const server = await serveHttp(
    port,
    args['http-host'] ?? '0.0.0.0',
    metrics.registry,
    () => controller?.synced() ?? false,
  );
  log.info({ port, namespace: namespace ?? '(all)', identity }, 'operator starting');

  const election = args['leader-elect']
    ? elect({
        kube,
        namespace: args['lease-namespace'] ?? env['POD_NAMESPACE'] ?? 'default',
        name: LEASE_NAME,
        identity,
        leaseDurationSeconds: 15,
        renewEverySeconds: 5,
        now: () => new Date(),
        onError: (e) => log.warn({ err: e instanceof Error ? e.message : String(e) }, 'leader election'),
      })
    : undefined;

  const signalled = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const start = election === undefined ? Promise.resolve('leader') : election.acquired.then(() => 'leader');
  const first = await Promise.race([start, signalled]);
  let code = 0;
  if (first === 'leader') {
    metrics.leader.set(1);
    log.info('leading: reconciling CryptoStreams');
    controller = startController({
      kc,
      kube,
      ...(namespace === undefined ? {} : { namespace }),
      image: args.image ?? env['CRYPTOSTREAM_IMAGE'] ?? 'cryptostream:0.1.0',
      identity,
      concurrency,
      resyncMs: 5 * 60_000,
      log,
      metrics,
    });
    const lost =
      election === undefined ? new Promise<string>(() => undefined) : election.lost.then(() => 'lost');
    const why = await Promise.race([lost, signalled]);
    if (why === 'lost') {
      log.error('lost the leader Lease: stopping');
      code = 1;
    }
    await controller.stop();
  }
  metrics.leader.set(0);
  await election
    ?.release()
    .catch((e: unknown) => log.warn({ err: String(e) }, 'could not release the Lease'));
  await new Promise((resolve) => server.close(resolve));
  log.info('operator stopped');
  return code;
};
