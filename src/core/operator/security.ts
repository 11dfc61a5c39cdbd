import type { V1Container, V1PodSecurityContext, V1SecurityContext } from '@kubernetes/client-node';

/** Pod Security Standard "restricted": non-root, seccomp RuntimeDefault (pod level). */
export const restrictedPod = (uid: number): V1PodSecurityContext => ({
  runAsNonRoot: true,
  runAsUser: uid,
  runAsGroup: uid,
  fsGroup: uid,
  seccompProfile: { type: 'RuntimeDefault' },
});

/**
 * What the Pod Security Standard "restricted" asks of a container; the same as Strimzi's own
 * RestrictedPodSecurityProvider sets when its operator is configured with it.
 */
export const restrictedStandardContainer: V1SecurityContext = {
  allowPrivilegeEscalation: false,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** Pod Security Standard "restricted" (container level), plus a read-only root filesystem. */
export const restrictedContainer: V1SecurityContext = {
  ...restrictedStandardContainer,
  readOnlyRootFilesystem: true,
};

/** HTTP probes on a named port: readiness and liveness, the way every component here exposes health. */
export const httpProbes = (
  port: string,
  readyPath: string,
  livePath: string,
): Pick<V1Container, 'readinessProbe' | 'livenessProbe'> => ({
  readinessProbe: { httpGet: { path: readyPath, port }, periodSeconds: 10, failureThreshold: 3 },
  livenessProbe: {
    httpGet: { path: livePath, port },
    initialDelaySeconds: 10,
    periodSeconds: 20,
    failureThreshold: 3,
  },
});
