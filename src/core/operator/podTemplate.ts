import type { V1Affinity, V1NodeSelectorTerm, V1PodSpec } from '@kubernetes/client-node';
import type { CryptoStream, PodTemplate } from '../../api/v1alpha1/cryptostream.ts';

/**
 * The pod template of the pods whose images the operator chooses (producers, consumers, InfluxDB, Grafana):
 * the stream's `spec.template`, with the operator's own image pull secrets where the stream names none. The
 * workers run the operator's image, from the registry the operator itself is pulled from, so a private
 * registry needs no more than the operator's chart values and a Secret of that name in the stream's namespace.
 * (Strimzi's pods get the stream's template only: see kafka/kafka.ts.)
 */
export const ownPodTemplate = (cr: CryptoStream, imagePullSecrets: readonly string[]): PodTemplate => {
  const template = cr.spec.template ?? {};
  return template.imagePullSecrets !== undefined || imagePullSecrets.length === 0
    ? template
    : { ...template, imagePullSecrets: imagePullSecrets.map((name) => ({ name })) };
};

type PodPlacement = Pick<
  V1PodSpec,
  'imagePullSecrets' | 'nodeSelector' | 'tolerations' | 'affinity' | 'priorityClassName'
>;

const isEmpty = (v: unknown): boolean =>
  v === undefined ||
  (Array.isArray(v) && v.length === 0) ||
  (typeof v === 'object' && v !== null && Object.keys(v).length === 0);

/**
 * The template's fields of a Kubernetes pod spec. Empty lists and maps are left out: the API server does not
 * store them, and a child asking for a field the server never holds would be applied again at every reconcile.
 */
export const podPlacement = (t: PodTemplate): PodPlacement => {
  const fields: Record<keyof PodPlacement, unknown> = {
    imagePullSecrets: t.imagePullSecrets?.map((s) => ({ ...s })),
    nodeSelector: t.nodeSelector === undefined ? undefined : { ...t.nodeSelector },
    tolerations: t.tolerations?.map((x) => ({ ...x })),
    affinity: t.affinity,
    priorityClassName: t.priorityClassName,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => !isEmpty(v))) as PodPlacement;
};

/**
 * Node labels as node affinity: each label is required (`In` its value) in every term of the required node
 * affinity (terms are alternatives, so each must ask for them), or in one term when there is none. Keys sorted,
 * so an equal selector gives an equal affinity.
 */
export const withRequiredLabels = (
  affinity: V1Affinity | undefined,
  labels: Readonly<Record<string, string>>,
): V1Affinity | undefined => {
  const expressions = Object.keys(labels)
    .sort()
    .map((key) => ({ key, operator: 'In', values: [labels[key]!] }));
  if (expressions.length === 0) return affinity;
  const required = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const terms: V1NodeSelectorTerm[] =
    required?.nodeSelectorTerms === undefined || required.nodeSelectorTerms.length === 0
      ? [{}]
      : required.nodeSelectorTerms;
  return {
    ...affinity,
    nodeAffinity: {
      ...affinity?.nodeAffinity,
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: terms.map((term) => ({
          ...term,
          matchExpressions: [...(term.matchExpressions ?? []), ...expressions],
        })),
      },
    },
  };
};
