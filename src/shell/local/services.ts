import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root (this file is src/shell/local/ or dist/shell/local/). */
export const repoRoot = join(import.meta.dirname, '..', '..', '..');
export const servicesEnvFile = join(repoRoot, '.services', 'env');

/** The endpoints file `local` reads: `CRYPTOSTREAM_SERVICES_ENV` when set (other services), else `.services/env`. */
const envFileOf = (env: NodeJS.ProcessEnv): string => {
  const file = env['CRYPTOSTREAM_SERVICES_ENV'];
  return file === undefined || file === '' ? servicesEnvFile : file;
};

export type LocalServices = {
  readonly brokers: readonly string[];
  readonly influx: { readonly url: string; readonly token: string; readonly org: string };
  readonly bucketRaw: string;
  readonly bucketEnriched: string;
};

const readEnv = (file: string): Map<string, string> =>
  new Map(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('=') && !l.startsWith('#'))
      .map((l): [string, string] => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]),
  );

const servicesUp = (): Promise<void> =>
  new Promise((resolve, reject) => {
    process.stderr.write('cryptostream local: starting the local services (npm run services:up)…\n');
    const child = spawn('npm', ['run', 'services:up'], { cwd: repoRoot, stdio: ['ignore', 2, 2] });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`npm run services:up exited with ${code}`)),
    );
  });

/**
 * The endpoints of `npm run services:up` (`.services/env`), starting the services when the file is
 * missing; with `CRYPTOSTREAM_SERVICES_ENV` the endpoints of that file (the services are not started).
 */
export const localServices = async (env: NodeJS.ProcessEnv = process.env): Promise<LocalServices> => {
  const file = envFileOf(env);
  if (file === servicesEnvFile && !existsSync(file)) await servicesUp();
  const values = readEnv(file);
  const get = (key: string): string => {
    const v = values.get(key);
    if (v === undefined || v === '') throw new Error(`${key} is missing in ${file}`);
    return v;
  };
  return {
    brokers: get('KAFKA_BROKERS').split(','),
    influx: { url: get('INFLUX_URL'), token: get('INFLUX_TOKEN'), org: get('INFLUX_ORG') },
    bucketRaw: get('INFLUX_BUCKET_RAW'),
    bucketEnriched: get('INFLUX_BUCKET_ENRICHED'),
  };
};
