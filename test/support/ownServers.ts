/**
 * A Kafka broker or an InfluxDB of a test's own, so the test can kill, stop and restart it without disturbing
 * the servers of `npm run services:up` that the other tests use. Started by the same scripts
 * (`scripts/services/<component>.sh`) with their instance settings: another state directory and other ports,
 * same cached binaries, same InfluxDB org and token. The data directory survives a restart, as on a real
 * machine; `close` stops the server and deletes it.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

export type Component = 'kafka' | 'influxdb';

export type OwnServer = {
  /** `127.0.0.1:<port>` for Kafka, `http://127.0.0.1:<port>` for InfluxDB. */
  readonly address: string;
  /** Starts the server (again) and resolves once it answers. */
  readonly start: () => Promise<void>;
  /** SIGTERM, as an operator stopping it (SIGKILL after 20 s). */
  readonly stop: () => Promise<void>;
  /** SIGKILL, as a crash: nothing is flushed or closed. Resolves once the process is gone. */
  readonly kill: () => Promise<void>;
  /** Stops the server and deletes its data. */
  readonly close: () => Promise<void>;
};

const PORTS: Record<Component, Record<string, string>> = {
  kafka: { CRYPTOSTREAM_KAFKA_PORT: '29092', CRYPTOSTREAM_KAFKA_CONTROLLER_PORT: '29093' },
  influxdb: { CRYPTOSTREAM_INFLUX_PORT: '28086' },
};

const gone = (pid: number): boolean => {
  const cmdline = `/proc/${pid}/cmdline`;
  // A killed child of an exited shell may linger as a zombie: an empty command line counts as gone.
  return !existsSync(cmdline) || readFileSync(cmdline).length === 0;
};

export const ownServer = (component: Component): OwnServer => {
  const dir = join(ROOT, '.services', `own-${component}`);
  const script = (action: 'up' | 'down') =>
    run('bash', [join(ROOT, 'scripts', 'services', `${component}.sh`), action], {
      env: { ...process.env, CRYPTOSTREAM_SERVICES_DIR: dir, ...PORTS[component] },
      maxBuffer: 1 << 24,
    }).catch((e: { stderr?: string; message: string }) => {
      throw new Error(
        `scripts/services/${component}.sh ${action} (own instance) failed: ${e.stderr ?? e.message}`,
      );
    });
  const kill = async (): Promise<void> => {
    const pidFile = join(dir, component, 'pid');
    if (!existsSync(pidFile)) throw new Error(`${component} (own instance) is not running: no ${pidFile}`);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    process.kill(pid, 'SIGKILL');
    while (!gone(pid)) await new Promise((r) => setTimeout(r, 50));
  };
  const port = Object.values(PORTS[component])[0]!;
  return {
    address: component === 'kafka' ? `127.0.0.1:${port}` : `http://127.0.0.1:${port}`,
    start: async () => void (await script('up')),
    stop: async () => void (await script('down')),
    kill,
    close: async () => {
      await script('down');
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
