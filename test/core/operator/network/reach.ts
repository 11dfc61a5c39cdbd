import type { Child } from '../../../../src/core/operator/child.ts';

/**
 * A small evaluator of NetworkPolicy semantics (networking.k8s.io/v1) for the policies of one namespace, so
 * tests can say who may reach whom. A pod no policy of a direction selects is open in that direction; a
 * selected pod allows what at least one rule of a policy selecting it allows. A connection needs the
 * source's egress and the destination's ingress. Peers: a podSelector (this namespace's pods), an ipBlock
 * (taken to hold every address outside the namespace), or none (everything).
 */

export type Labels = Readonly<Record<string, string>>;
/** A pod of the stream's namespace, or an address elsewhere (Binance, a DNS server, another namespace). */
export type Endpoint = { readonly pod: Labels } | 'outside';
export type Protocol = 'TCP' | 'UDP';

type Selector = {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
};
type Peer = { podSelector?: Selector; namespaceSelector?: Selector; ipBlock?: { cidr: string } };
type Rule = { from?: Peer[]; to?: Peer[]; ports?: { protocol?: Protocol; port?: number }[] };
type Spec = { podSelector: Selector; policyTypes: string[]; ingress?: Rule[]; egress?: Rule[] };

export const selects = (selector: Selector, labels: Labels): boolean =>
  Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
  (selector.matchExpressions ?? []).every((e) => {
    const has = e.key in labels;
    const inValues = has && (e.values ?? []).includes(labels[e.key]!);
    if (e.operator === 'In') return inValues;
    if (e.operator === 'NotIn') return !inValues;
    if (e.operator === 'Exists') return has;
    if (e.operator === 'DoesNotExist') return !has;
    throw new Error(`unknown operator ${e.operator}`);
  });

const peerHolds = (peer: Peer, at: Endpoint): boolean => {
  if (peer.ipBlock !== undefined) return at === 'outside';
  if (peer.namespaceSelector !== undefined) throw new Error('namespaceSelector is not evaluated here');
  return at !== 'outside' && selects(peer.podSelector ?? {}, at.pod);
};

const ruleAllows = (
  rule: Rule,
  peers: Peer[] | undefined,
  other: Endpoint,
  port: number,
  protocol: Protocol,
) =>
  (peers === undefined || peers.some((p) => peerHolds(p, other))) &&
  (rule.ports === undefined ||
    rule.ports.some((p) => (p.protocol ?? 'TCP') === protocol && (p.port === undefined || p.port === port)));

const specsOf = (policies: readonly Child[]): Spec[] =>
  policies.filter((p) => p.kind === 'NetworkPolicy').map((p) => p['spec'] as Spec);

/** Whether `direction` lets traffic through at `self` (a pod) from or to `other`. */
const allows = (
  specs: Spec[],
  direction: 'Ingress' | 'Egress',
  self: Endpoint,
  other: Endpoint,
  port: number,
  protocol: Protocol,
): boolean => {
  if (self === 'outside') return true;
  const selecting = specs.filter(
    (s) => s.policyTypes.includes(direction) && selects(s.podSelector, self.pod),
  );
  if (selecting.length === 0) return true;
  return selecting.some((s) =>
    (direction === 'Ingress' ? (s.ingress ?? []) : (s.egress ?? [])).some((r) =>
      ruleAllows(r, direction === 'Ingress' ? r.from : r.to, other, port, protocol),
    ),
  );
};

/** Whether `from` may open a connection to `to` on `port` under the namespace's `policies`. */
export const reaches = (
  policies: readonly Child[],
  from: Endpoint,
  to: Endpoint,
  port: number,
  protocol: Protocol = 'TCP',
): boolean => {
  const specs = specsOf(policies);
  return (
    allows(specs, 'Egress', from, to, port, protocol) && allows(specs, 'Ingress', to, from, port, protocol)
  );
};

/** Whether any of the policies selects the pod (in either direction). */
export const guarded = (policies: readonly Child[], pod: Labels): boolean =>
  specsOf(policies).some((s) => selects(s.podSelector, pod));
