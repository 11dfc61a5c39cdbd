import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Endpoints of the local servers started by `npm run services:up` (see docs/services.md). */
export type Services = {
  readonly kafka: { readonly brokers: readonly string[]; readonly version: string };
  readonly influx: {
    readonly url: string;
    readonly token: string;
    readonly org: string;
    readonly buckets: { readonly raw: string; readonly enriched: string };
    readonly version: string;
  };
  readonly kube: {
    readonly kubeconfig: string;
    readonly apiUrl: string;
    readonly version: string;
    readonly kubectl: string;
    readonly helm: string;
    readonly strimziVersion: string;
  };
};

export const servicesEnvPath = join(import.meta.dirname, '..', '..', '.services', 'env');

const notRunning = (detail: string): Error =>
  new Error(`services are not running: run \`npm run services:up\` (${detail})`);

/** Parses `KEY=value` lines (the format `scripts/services/up` writes, which a shell can source). */
export const parseEnvFile = (text: string): ReadonlyMap<string, string> =>
  new Map(
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#') && line.includes('='))
      .map((line): [string, string] => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );

/**
 * Reads `.services/env` and returns the endpoints. Throws when the file or one of its keys is missing, so a test
 * that needs a server fails with a message saying how to start them.
 */
export const services = (envPath: string = servicesEnvPath): Services => {
  if (!existsSync(envPath)) throw notRunning(`${envPath} does not exist`);
  const env = parseEnvFile(readFileSync(envPath, 'utf8'));
  const get = (key: string): string => {
    const value = env.get(key);
    if (value === undefined || value === '') throw notRunning(`${key} is missing in ${envPath}`);
    return value;
  };
  return {
    kafka: { brokers: get('KAFKA_BROKERS').split(','), version: get('KAFKA_VERSION') },
    influx: {
      url: get('INFLUX_URL'),
      token: get('INFLUX_TOKEN'),
      org: get('INFLUX_ORG'),
      buckets: { raw: get('INFLUX_BUCKET_RAW'), enriched: get('INFLUX_BUCKET_ENRICHED') },
      version: get('INFLUX_VERSION'),
    },
    kube: {
      kubeconfig: get('KUBECONFIG'),
      apiUrl: get('KUBE_API_URL'),
      version: get('KUBE_VERSION'),
      kubectl: get('KUBECTL'),
      helm: get('HELM'),
      strimziVersion: get('STRIMZI_VERSION'),
    },
  };
};
