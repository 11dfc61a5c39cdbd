import { KubeConfig } from '@kubernetes/client-node';
import { EXIT_OK, EXIT_USAGE, exitStatusHelp } from '../cli/command.ts';
import { makeLogger } from '../observability/logger.ts';
import { sleep } from '../observability/sleep.ts';
import { startController } from './controller.ts';
import type { Controller } from './controller.ts';
import { makeKube } from './kube.ts';
import { elect } from './leader.ts';
import { makeMetrics, serveHttp } from './metrics.ts';
import { parseOptions, usage } from './options.ts';

const LEASE_NAME = 'cryptostream-operator';

/**
 * A leader that lost its Lease exits 1, as it always did (docs/operator.md, test/shell/operator): the
 * usage status of the shared table (src/shell/cli/command.ts), told apart by its log line.
 */
const EXIT_LOST_LEASE = EXIT_USAGE;

const exitStatus = exitStatusHelp('operator', {
  [EXIT_LOST_LEASE]: 'also a leader that lost its Lease (an error log line says so)',
});
/** On SIGTERM the reconciles under way may end (this long at most) before the Lease is handed back. */
const DRAIN_MS = 5_000;

/**
 * Every replica serves its endpoints and takes part in the election; the one that holds the Lease reconciles.
 * Readiness is not leadership: a standby is ready once it reached the Lease, the leader once its caches are
 * synced, so a rolling update can start the new pod while the old one still leads. SIGTERM hands the Lease
 * back (a standby takes over at its next try); a leader that cannot renew stops and exits 1.
 */
export const run = async (argv: readonly string[]): Promise<number> => {
  const o = parseOptions(argv, process.env);
  if (o === 'help') {
    process.stdout.write(`${usage}\n\n${exitStatus}\n`);
    return EXIT_OK;
  }
  if ('error' in o) {
    process.stderr.write(`cryptostream operator: ${o.error}\n${usage}\n`);
    return EXIT_USAGE;
  }
  const log = makeLogger(o.logLevel, 'operator');
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const kube = makeKube(kc);
  const metrics = makeMetrics();

  const election = o.leaderElect
    ? elect({
        kube,
        namespace: o.leaseNamespace,
        name: LEASE_NAME,
        identity: o.identity,
        leaseDurationSeconds: o.leaseDurationSeconds,
        renewDeadlineSeconds: o.renewDeadlineSeconds,
        retryPeriodSeconds: o.retryPeriodSeconds,
        onError: (e) => log.warn({ err: e instanceof Error ? e.message : String(e) }, 'leader election'),
      })
    : undefined;
  let controller: Controller | undefined;
  const server = await serveHttp(
    o.port,
    o.host,
    metrics.registry,
    () => controller?.synced() ?? election?.joined() ?? false,
  );
  log.info({ port: o.port, namespace: o.namespace ?? '(all)', identity: o.identity }, 'operator starting');

  const signalled = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const start = election === undefined ? Promise.resolve('leader') : election.acquired.then(() => 'leader');
  let code = EXIT_OK;
  if ((await Promise.race([start, signalled])) === 'leader') {
    metrics.leader.set(1);
    log.info('leading: reconciling CryptoStreams');
    controller = startController({
      kc,
      kube,
      ...(o.namespace === undefined ? {} : { namespace: o.namespace }),
      image: o.image,
      defaultImages: o.defaultImages,
      imagePullSecrets: o.imagePullSecrets,
      ...(o.operatorNamespace === undefined ? {} : { operatorNamespace: o.operatorNamespace }),
      identity: o.identity,
      concurrency: o.concurrency,
      resyncMs: 5 * 60_000,
      log,
      metrics,
    });
    const lost = election?.lost.then(() => 'lost') ?? new Promise<string>(() => undefined);
    const why = await Promise.race([lost, signalled]);
    controller.queue.stop();
    if (why === 'lost') {
      kube.close(); // no reconcile under way may write any more
      metrics.leader.set(0);
      log.error(`lost the leader Lease (not renewed for ${o.renewDeadlineSeconds} s, or taken): stopping`);
      code = EXIT_LOST_LEASE;
    } else {
      const drained = new AbortController();
      await Promise.race([controller.queue.idle(), sleep(DRAIN_MS, drained.signal)]);
      drained.abort();
    }
  }
  metrics.leader.set(0);
  await election
    ?.release()
    .catch((e: unknown) => log.warn({ err: String(e) }, 'could not release the Lease'));
  await controller?.stop();
  kube.close(); // a request that hangs would keep the process alive
  await new Promise((resolve) => server.close(resolve));
  log.info('operator stopped');
  return code;
};
