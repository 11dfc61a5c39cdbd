import type { V1EnvVar } from '@kubernetes/client-node';

/** A container environment variable with a literal value. */
export const env = (name: string, value: string): V1EnvVar => ({ name, value });

/** A container environment variable read from a Secret's key by the kubelet (the value never passes here). */
export const secretEnv = (name: string, secret: string, key: string): V1EnvVar => ({
  name,
  valueFrom: { secretKeyRef: { name: secret, key } },
});
