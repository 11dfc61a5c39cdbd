import type { CryptoStream } from '../../../api/v1alpha1/cryptostream.ts';
import { COMPONENT_LABEL, metaFor, podsOf, STREAM_LABEL } from '../child.ts';
import type { Child, Component } from '../child.ts';
import { GRAFANA_PORT, INFLUX_PORT, KAFKA_PORT, names, WORKER_HTTP_PORT } from '../names.ts';
import { portOfUrl, portsOfServers } from './ports.ts';

/*
 * The stream's NetworkPolicies, in wire form (client-node's typed V1NetworkPolicy names a rule's `from`
 * field `_from`). NetworkPolicies add up: a pod selected by any policy of a direction accepts only what
 * some policy allows it. So one policy denies everything to the pods the operator runs for the stream, and
 * the others each open one thing. Strimzi's pods carry the stream's labels too (Strimzi copies the Kafka's
 * labels onto them, and sets app.kubernetes.io/instance to the Kafka's name, which is the stream's): the
 * policies select by component, never Strimzi's, whose own policy guards the brokers (see kafka/kafka.ts).
 */

/** A port of the destination pod: a number, or the name of one of its container ports. */
type Port = { readonly protocol: 'TCP' | 'UDP'; readonly port: number | string };
type Peer = Record<string, unknown>;
type Rule = { readonly peers?: readonly Peer[]; readonly ports: readonly Port[] };
type Direction = 'Ingress' | 'Egress';

const tcp = (port: number): Port => ({ protocol: 'TCP', port });

/** The pods the operator runs for the stream; never Strimzi's (whose pods carry the stream's label too). */
const GUARDED: readonly Component[] = ['producer', 'consumer', 'influxdb', 'grafana'];

const podsOfAll = (cr: CryptoStream, components: readonly Component[]) => ({
  matchLabels: { [STREAM_LABEL]: cr.metadata.name },
  matchExpressions: [{ key: COMPONENT_LABEL, operator: 'In', values: [...components] }],
});

const policy = (
  cr: CryptoStream,
  name: string,
  podSelector: Peer,
  rules: { readonly ingress?: readonly Rule[]; readonly egress?: readonly Rule[] },
  policyTypes: readonly Direction[] = [
    ...(rules.ingress === undefined ? [] : ['Ingress' as const]),
    ...(rules.egress === undefined ? [] : ['Egress' as const]),
  ],
): Child => {
  // A rule without peers admits every address, on its ports only.
  const wire = (rule: Rule, field: 'from' | 'to') => ({
    ...(rule.peers === undefined ? {} : { [field]: rule.peers }),
    ports: rule.ports,
  });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metaFor(cr, name, 'network-policy'),
    spec: {
      podSelector,
      policyTypes,
      ...(rules.ingress === undefined ? {} : { ingress: rules.ingress.map((r) => wire(r, 'from')) }),
      ...(rules.egress === undefined ? {} : { egress: rules.egress.map((r) => wire(r, 'to')) }),
    },
  };
};

/** Nothing in, nothing out, for every pod the operator runs for the stream; the policies below open. */
const defaultDeny = (cr: CryptoStream): Child =>
  policy(cr, names(cr).defaultDeny, podsOfAll(cr, GUARDED), {}, ['Ingress', 'Egress']);

/**
 * Name lookups: UDP and TCP port 53 at any address, and the ports named `dns` (UDP) and `dns-tcp` (TCP) of any
 * pod. A rule's port is the destination pod's, after a Service's DNAT, and the cluster's resolver often listens
 * on another port behind the DNS Service's 53: CoreDNS run as non-root on 1053 (the one-node test cluster's),
 * OpenShift's dns-default on 5353; these, like kubeadm's and kind's CoreDNS, name their ports `dns` and
 * `dns-tcp`. Port 53 at any address covers what no label or name finds: NodeLocal DNSCache (a link-local
 * address on the node), managed offerings, a resolver outside the cluster. InfluxDB resolves nothing.
 */
const dns = (cr: CryptoStream): Child =>
  policy(cr, names(cr).dns, podsOfAll(cr, ['producer', 'consumer', 'grafana']), {
    egress: [
      {
        ports: [
          { protocol: 'UDP', port: 53 },
          tcp(53),
          { protocol: 'UDP', port: 'dns' },
          { protocol: 'TCP', port: 'dns-tcp' },
        ],
      },
    ],
  });

/**
 * The stream's Kafka: the brokers of its Strimzi Kafka (the pods behind Strimzi's bootstrap Service) on the
 * plain listener; or every address on the ports of `kafka.external.bootstrapServers` (brokers are often
 * outside the cluster, behind addresses that change, and advertise the bootstrap's ports).
 */
const toKafka = (cr: CryptoStream): Rule => {
  const external = cr.spec.kafka.external;
  if (external !== undefined) return { ports: portsOfServers(external.bootstrapServers).map(tcp) };
  const brokers = {
    'strimzi.io/cluster': names(cr).kafka,
    'strimzi.io/kind': 'Kafka',
    'strimzi.io/broker-role': 'true',
  };
  return { peers: [{ podSelector: { matchLabels: brokers } }], ports: [tcp(KAFKA_PORT)] };
};

const toInfluxdb = (cr: CryptoStream): Rule => ({
  peers: [podsOf(cr, 'influxdb')],
  ports: [tcp(INFLUX_PORT)],
});

/** The workers' `/metrics`, from anywhere: Prometheus runs in another namespace, under labels we cannot know. */
const metrics: Rule = { ports: [tcp(WORKER_HTTP_PORT)] };

/**
 * Producers: Binance on the port of `binance.baseUrl` (443 for the real exchange) at any address (its
 * addresses change), Kafka, and InfluxDB (the holes of the stored series, the `pipeline` health points).
 */
const producers = (cr: CryptoStream): Child =>
  policy(cr, names(cr).producers, podsOf(cr, 'producer').podSelector, {
    ingress: [metrics],
    egress: [{ ports: [tcp(portOfUrl(cr.spec.binance.baseUrl))] }, toKafka(cr), toInfluxdb(cr)],
  });

/** Consumers: Kafka and InfluxDB. */
const consumers = (cr: CryptoStream): Child =>
  policy(cr, names(cr).consumers, podsOf(cr, 'consumer').podSelector, {
    ingress: [metrics],
    egress: [toKafka(cr), toInfluxdb(cr)],
  });

/**
 * InfluxDB admits only this stream's producer, consumers and Grafana. A NodePort (`influxdb.nodePort`) opens
 * it to clients outside the cluster as well, on purpose. It connects to nothing.
 */
export const influxdbNetworkPolicy = (cr: CryptoStream): Child =>
  policy(cr, names(cr).influxdb, podsOf(cr, 'influxdb').podSelector, {
    ingress: [
      {
        peers: [
          podsOf(cr, 'producer'),
          podsOf(cr, 'consumer'),
          ...(cr.spec.grafana.enabled ? [podsOf(cr, 'grafana')] : []),
          ...(cr.spec.influxdb.nodePort === undefined ? [] : [{ ipBlock: { cidr: '0.0.0.0/0' } }]),
        ],
        ports: [tcp(INFLUX_PORT)],
      },
    ],
  });

/**
 * Where Grafana's notifications go (`grafana.notifications`), at any address: a webhook on the HTTPS and HTTP
 * ports (its URL is in a Secret the operator never reads, so its own port is unknown: a webhook on another
 * port needs a policy of your own), the SMTP server on the port of `smtp.host` (587 when it names none).
 */
const notificationPorts = (cr: CryptoStream): Port[] => {
  const n = cr.spec.grafana.notifications;
  const smtp = n?.email === undefined ? [] : portsOfServers(n.email.smtp.host);
  return [
    ...(n?.webhook === undefined ? [] : [tcp(443), tcp(80)]),
    ...(n?.email === undefined ? [] : (smtp.length > 0 ? smtp : [587]).map(tcp)),
  ];
};

/**
 * Grafana: users reach it from anywhere (through its Service or NodePort); it reads InfluxDB, and sends its
 * notifications when the stream names where.
 */
const grafana = (cr: CryptoStream): Child => {
  const notify = notificationPorts(cr);
  return policy(cr, names(cr).grafana, podsOf(cr, 'grafana').podSelector, {
    ingress: [{ ports: [tcp(GRAFANA_PORT)] }],
    egress: [toInfluxdb(cr), ...(notify.length === 0 ? [] : [{ ports: notify }])],
  });
};

/**
 * Every NetworkPolicy of the stream; none with `networkPolicies.enabled: false`. The operator applies a
 * stream's children together, so on an upgrade the deny lands with the policies that open.
 */
export const networkPolicies = (cr: CryptoStream): Child[] =>
  cr.spec.networkPolicies.enabled
    ? [
        dns(cr),
        producers(cr),
        consumers(cr),
        influxdbNetworkPolicy(cr),
        ...(cr.spec.grafana.enabled ? [grafana(cr)] : []),
        defaultDeny(cr),
      ]
    : [];
