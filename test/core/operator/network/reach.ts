import type { Child } from '../../../../src/core/operator/child.ts';

/**
 * A small evaluator of NetworkPolicy semantics (networking.k8s.io/v1) for the policies of one namespace, so
 * tests can say who may reach whom. A pod no policy of a direction selects is open in that direction; a
 * selected pod allows what at least one rule of a policy selecting it allows. A connection needs the
 * source's egress and the destination's ingress. Peers: a podSelector (this namespace's pods), an ipBlock
 * (taken to hold every address outside the namespace), or none (everything). Ports: a number, or the name of
 * one of the destination pod's container ports (it matches that port, on that protocol, of a pod declaring it).
 */

export type Labels = Readonly<Record<string, string>>;
export type Protocol = 'TCP' | 'UDP';
/** A pod's container ports by name. */
export type NamedPorts = Readonly<Record<string, { readonly port: number; readonly protocol: Protocol }>>;
/**
 * A pod (of the stream's namespace, unless only rules without peers apply to it, as for a cluster DNS pod),
 * with its named container ports; or an address elsewhere (Binance, a DNS server, another namespace).
 */
export type Endpoint = { readonly pod: Labels; readonly ports?: NamedPorts } | 'outside';

type Selector = {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
};
type Peer = { podSelector?: Selector; namespaceSelector?: Selector; ipBlock?: { cidr: string } };
type Port = { protocol?: Protocol; port?: number | string };
type Rule = { from?: Peer[]; to?: Peer[]; ports?: Port[] };
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

/** Whether a rule's port admits `port`/`protocol` at the destination `to` (whose port names it may use). */
const portHolds = (p: Port, to: Endpoint, port: number, protocol: Protocol): boolean => {
  if ((p.protocol ?? 'TCP') !== protocol) return false;
  if (p.port === undefined || p.port === port) return true;
  if (typeof p.port !== 'string' || to === 'outside') return false;
  const named = to.ports?.[p.port];
  return named !== undefined && named.port === port && named.protocol === protocol;
};

const ruleAllows = (
  rule: Rule,
  peers: Peer[] | undefined,
  other: Endpoint,
  to: Endpoint,
  port: number,
  protocol: Protocol,
) =>
  (peers === undefined || peers.some((p) => peerHolds(p, other))) &&
  (rule.ports === undefined || rule.ports.some((p) => portHolds(p, to, port, protocol)));

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
      direction === 'Ingress'
        ? ruleAllows(r, r.from, other, self, port, protocol)
        : ruleAllows(r, r.to, other, other, port, protocol),
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
