import { defaulted } from '../../../src/api/v1alpha1/defaults.ts';
import type { CryptoStream } from '../../../src/api/v1alpha1/cryptostream.ts';
import type { Inputs } from '../../../src/core/operator/desiredState.ts';

/** A defaulted CryptoStream `demo` in namespace `markets`; `spec` overrides the five-line resource. */
export const aCryptoStream = (spec: Record<string, unknown> = {}, generation = 1): CryptoStream =>
  defaulted({
    apiVersion: 'cryptostream.io/v1alpha1',
    kind: 'CryptoStream',
    metadata: { name: 'demo', namespace: 'markets', uid: 'uid-demo', generation },
    spec: { symbols: ['BTCUSDC', 'ETHUSDC'], ...spec },
  });

export const inputs: Inputs = {
  image: 'ghcr.io/example/cryptostream:1.0.0',
  credentials: {
    influxPassword: 'influx-pass',
    influxToken: 'influx-token',
    grafanaPassword: 'grafana-pass',
  },
};
