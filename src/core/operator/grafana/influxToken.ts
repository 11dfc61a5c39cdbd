import type { V1Deployment } from '@kubernetes/client-node';
import type { Child } from '../child.ts';
import type { StoredToken } from '../influxdb/grafanaToken.ts';

/** On Grafana's pod template: the ID of the InfluxDB authorization whose token its environment holds. */
export const INFLUX_TOKEN_ANNOTATION = 'cryptostream.io/influxdb-token-id';

/**
 * Grafana reads its InfluxDB token (`INFLUX_TOKEN`, from the credentials Secret) only when its container
 * starts: the authorization's ID on the pod template rolls Grafana onto a new token, and onto the first one
 * (until InfluxDB made it, the pod waits for the Secret's key). The ID is no secret.
 */
export const withInfluxToken = (
  deployment: Child & V1Deployment,
  stored: StoredToken | undefined,
): Child & V1Deployment => {
  const template = deployment.spec?.template;
  if (stored === undefined || template === undefined) return deployment;
  return {
    ...deployment,
    spec: {
      ...deployment.spec!,
      template: {
        ...template,
        metadata: {
          ...template.metadata,
          annotations: { ...template.metadata?.annotations, [INFLUX_TOKEN_ANNOTATION]: stored.id },
        },
      },
    },
  };
};
