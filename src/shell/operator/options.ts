import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_IMAGES } from '../../core/operator/images.ts';
import type { DefaultImages } from '../../core/operator/images.ts';
import { LEASE_TIMING } from './leader.ts';

export const usage = `Usage: cryptostream operator [options]

Runs the CryptoStream operator: reconciles every CryptoStream into its Kafka, InfluxDB, Grafana, producers
and consumers. Uses the in-cluster service account, or $KUBECONFIG (or ~/.kube/config) outside a cluster.

Options (environment variable in brackets):
  --namespace <ns>        watch only this namespace [CRYPTOSTREAM_WATCH_NAMESPACE] (default: all)
  --image <image>         image of the producers and consumers [CRYPTOSTREAM_IMAGE] (default: cryptostream:0.1.0)
  --influxdb-image <image>  InfluxDB image of streams that name none [CRYPTOSTREAM_INFLUXDB_IMAGE]
                          (default: ${DEFAULT_IMAGES.influxdb})
  --grafana-image <image>   Grafana image of streams that name none [CRYPTOSTREAM_GRAFANA_IMAGE]
                          (default: ${DEFAULT_IMAGES.grafana})
  --image-pull-secrets <names>  comma-separated Secrets that pull the images of the workers, InfluxDB and
                          Grafana of streams whose spec.template names none [CRYPTOSTREAM_IMAGE_PULL_SECRETS]
                          (default: none)
  --http-port <port>      /metrics, /healthz and /readyz [CRYPTOSTREAM_HTTP_PORT] (default: 8080)
  --http-host <host>      address to listen on (default: 0.0.0.0)
  --no-leader-elect       run without the leader Lease (only one replica may run then)
  --lease-namespace <ns>  namespace of the Lease [POD_NAMESPACE] (default: default)
  --identity <id>         this replica's name in the Lease [POD_NAME] (default: the host name)
  --lease-duration <s>    a standby takes over a Lease not renewed for this long (default: 15)
  --renew-deadline <s>    the leader stops after failing to renew for this long (default: 10)
  --retry-period <s>      the leader renews, a standby tries to acquire, this often (default: 2)
  --concurrency <n>       streams reconciled at once (default: 4)
  --log-level <level>     pino level [CRYPTOSTREAM_LOG_LEVEL] (default: info)`;

export type OperatorOptions = {
  /** undefined: every namespace */
  readonly namespace: string | undefined;
  readonly image: string;
  /** The InfluxDB and Grafana images of streams whose spec names none. */
  readonly defaultImages: DefaultImages;
  /** Image pull secrets (names) of the pods of streams whose spec.template names none. */
  readonly imagePullSecrets: readonly string[];
  readonly port: number;
  readonly host: string;
  readonly leaderElect: boolean;
  readonly leaseNamespace: string;
  /** The namespace of the operator's own pod ($POD_NAMESPACE, set by the chart); undefined outside the cluster. */
  readonly operatorNamespace: string | undefined;
  readonly identity: string;
  readonly leaseDurationSeconds: number;
  readonly renewDeadlineSeconds: number;
  readonly retryPeriodSeconds: number;
  readonly concurrency: number;
  readonly logLevel: string;
};

/** The options of `cryptostream operator`, `'help'`, or what is wrong with them. */
export const parseOptions = (
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): OperatorOptions | 'help' | { readonly error: string } => {
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      allowNegative: true,
      options: {
        namespace: { type: 'string' },
        image: { type: 'string' },
        'influxdb-image': { type: 'string' },
        'grafana-image': { type: 'string' },
        'image-pull-secrets': { type: 'string' },
        'http-port': { type: 'string' },
        'http-host': { type: 'string' },
        'leader-elect': { type: 'boolean', default: true },
        'lease-namespace': { type: 'string' },
        identity: { type: 'string' },
        'lease-duration': { type: 'string' },
        'renew-deadline': { type: 'string' },
        'retry-period': { type: 'string' },
        concurrency: { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
  if (args.help === true) return 'help';
  const port = Number(args['http-port'] ?? env['CRYPTOSTREAM_HTTP_PORT'] ?? 8080);
  const concurrency = Number(args.concurrency ?? 4);
  if (
    !Number.isInteger(port) ||
    port < 0 ||
    port > 65535 ||
    !Number.isInteger(concurrency) ||
    concurrency < 1
  )
    return { error: '--http-port and --concurrency need whole numbers' };
  const leaseDurationSeconds = Number(args['lease-duration'] ?? LEASE_TIMING.leaseDurationSeconds);
  const renewDeadlineSeconds = Number(args['renew-deadline'] ?? LEASE_TIMING.renewDeadlineSeconds);
  const retryPeriodSeconds = Number(args['retry-period'] ?? LEASE_TIMING.retryPeriodSeconds);
  if (!(
    leaseDurationSeconds > renewDeadlineSeconds &&
    renewDeadlineSeconds > retryPeriodSeconds &&
    retryPeriodSeconds > 0
  ))
    return { error: 'need --lease-duration > --renew-deadline > --retry-period > 0 (seconds)' };
  return {
    // empty (the chart's default) means every namespace, like unset
    namespace: (args.namespace ?? env['CRYPTOSTREAM_WATCH_NAMESPACE']) || undefined,
    image: args.image ?? env['CRYPTOSTREAM_IMAGE'] ?? 'cryptostream:0.1.0',
    // empty (the chart's default) means the built-in default, like unset
    defaultImages: {
      influxdb: (args['influxdb-image'] ?? env['CRYPTOSTREAM_INFLUXDB_IMAGE']) || DEFAULT_IMAGES.influxdb,
      grafana: (args['grafana-image'] ?? env['CRYPTOSTREAM_GRAFANA_IMAGE']) || DEFAULT_IMAGES.grafana,
    },
    // a comma-separated list; empty (the chart's default) means none
    imagePullSecrets: (args['image-pull-secrets'] ?? env['CRYPTOSTREAM_IMAGE_PULL_SECRETS'] ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== ''),
    port,
    host: args['http-host'] ?? '0.0.0.0',
    leaderElect: args['leader-elect'],
    leaseNamespace: args['lease-namespace'] ?? env['POD_NAMESPACE'] ?? 'default',
    operatorNamespace: env['POD_NAMESPACE'] || undefined,
    identity: args.identity ?? env['POD_NAME'] ?? hostname(),
    leaseDurationSeconds,
    renewDeadlineSeconds,
    retryPeriodSeconds,
    concurrency,
    logLevel: args['log-level'] ?? env['CRYPTOSTREAM_LOG_LEVEL'] ?? 'info',
  };
};
