import type { V1Affinity, V1LocalObjectReference, V1ObjectMeta, V1Toleration } from '@kubernetes/client-node';
import type { IndicatorConfig } from '../../core/indicators/config.ts';
import type { Interval } from '../../core/kline/interval.ts';

/** The API group, version and names of the CryptoStream custom resource (`crds/` is generated from them). */
export const GROUP = 'cryptostream.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'CryptoStream';
export const PLURAL = 'cryptostreams';
export const SINGULAR = 'cryptostream';
export const SHORT_NAMES = ['cstream'] as const;
/**
 * `kubectl get cryptostream` lists every kind of the project (one so far), as `kubectl get strimzi` does for
 * Strimzi. Not `all`: `kubectl delete all --all` would delete the streams and their InfluxDB volumes, and
 * `kubectl get all` would fail for users who may not list CryptoStreams.
 */
export const CATEGORIES = ['cryptostream'] as const;

export type Quantity = string;
export type ResourceList = { readonly cpu: Quantity; readonly memory: Quantity };
export type Resources = { readonly requests: ResourceList; readonly limits: ResourceList };

/** Indicator periods; the consumers receive them as JSON in `CRYPTOSTREAM_INDICATORS`. */
export type Indicators = IndicatorConfig;

/** What an alert watches: a field of the enriched candle, or `change`, the close's percent change over `window` candles. */
export type AlertField = 'close' | 'volume' | 'rsi' | 'volatility' | 'change';
export type Alert = {
  readonly name: string;
  readonly symbol: string;
  readonly interval?: Interval;
  readonly field: AlertField;
  /** `change` only (and required there): the number of candles the change spans, 1 to 1000. */
  readonly window?: number;
  readonly above?: number;
  readonly below?: number;
};

/** A key of a Secret in the stream's namespace. */
export type SecretKeySelector = { readonly name: string; readonly key: string };

/**
 * Where Grafana sends its alerts (`spec.grafana.notifications`): one contact point, the root of the
 * notification policy tree. Unset: Grafana's own default (an email contact point with no address).
 */
export type Notifications = {
  /** POSTs Grafana's webhook JSON to the URL in the Secret's key (the URL is a credential: never in the spec). */
  readonly webhook?: { readonly urlSecret: SecretKeySelector };
  /** Mails the alerts through an SMTP server. */
  readonly email?: {
    readonly addresses: readonly string[];
    readonly smtp: {
      /** host:port of the SMTP server. */
      readonly host: string;
      readonly from: string;
      /** A Secret with keys `user` and `password`; unset: no authentication. */
      readonly secret?: string;
    };
  };
};

export const SASL_MECHANISMS = ['scram-sha-256', 'scram-sha-512', 'plain'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/**
 * A Kafka the stream uses instead of running its own (Strimzi elsewhere, MSK, Confluent, ...). The
 * workers read the Secrets through their environment and volumes; the operator never copies them.
 */
export type ExternalKafka = {
  readonly bootstrapServers: string;
  /** TLS to the brokers; without `caSecret` the system's root certificates are trusted. */
  readonly tls?: { readonly caSecret?: SecretKeySelector };
  /** SASL authentication: the password (and, without `username`, the user name) from a Secret. */
  readonly sasl?: { readonly mechanism: SaslMechanism; readonly secret: string; readonly username?: string };
  /** Replication factor of the topics the workers create; unset: the broker's default. */
  readonly replicationFactor?: number;
};

/**
 * What every pod of the stream gets (`spec.template`, as Strimzi's `template.pod`): where it may run and
 * which Secrets pull its images. Each field is copied as it is into the workers', InfluxDB's and Grafana's
 * pod specs and into Strimzi's pod templates of the Kafka nodes and the entity operator (Strimzi has no
 * `nodeSelector`: it becomes a required node affinity there).
 */
export type PodTemplate = {
  readonly imagePullSecrets?: readonly V1LocalObjectReference[];
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly tolerations?: readonly V1Toleration[];
  readonly affinity?: V1Affinity;
  readonly priorityClassName?: string;
};

/** The spec after defaulting: what the API server stores (see `schema.ts` for every default). */
export type CryptoStreamSpec = {
  readonly image?: string;
  /** Unset: the pods get none of its fields (the operator's image pull secrets aside, see desiredState). */
  readonly template?: PodTemplate;
  readonly symbols: readonly string[];
  readonly intervals: readonly Interval[];
  readonly binance: { readonly baseUrl: string; readonly backfillFrom?: string };
  readonly indicators: Indicators;
  readonly kafka: {
    readonly version?: string;
    readonly replicas: number;
    readonly storage: Quantity;
    /** Unset: the cluster's default StorageClass. */
    readonly storageClassName?: string;
    readonly partitions: number;
    readonly retentionHours: number;
    readonly external?: ExternalKafka;
  };
  readonly influxdb: {
    /** Unset: the operator's default, resolved at every reconcile. */
    readonly image?: string;
    readonly storage: Quantity;
    /** Unset: the cluster's default StorageClass. */
    readonly storageClassName?: string;
    readonly retentionDays: number;
    readonly org: string;
    readonly nodePort?: number;
    readonly retainOnDelete: boolean;
  };
  readonly grafana: {
    readonly enabled: boolean;
    /** Unset: the operator's default, resolved at every reconcile. */
    readonly image?: string;
    readonly adminSecret?: string;
    readonly nodePort?: number;
    readonly notifications?: Notifications;
  };
  /** The stream's NetworkPolicies (src/core/operator/network/policies.ts). */
  readonly networkPolicies: { readonly enabled: boolean };
  readonly producer: { readonly resources: Resources };
  readonly consumer: {
    readonly resources: Resources;
    readonly autoscaling: {
      readonly minReplicas: number;
      readonly maxReplicas: number;
      readonly targetCPUUtilizationPercentage: number;
      /** Candles of lag per replica; scaling on lag needs KEDA (src/core/operator/workers/lagScaling.ts). */
      readonly lagThreshold?: number;
    };
  };
  readonly alerts: readonly Alert[];
};

export type Endpoints = { readonly kafka?: string; readonly influxdb?: string; readonly grafana?: string };

/** metav1.Condition as it travels in JSON (the transition time is an RFC 3339 string). */
export type Condition = {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly observedGeneration?: number;
  readonly lastTransitionTime: string;
  readonly reason: string;
  readonly message: string;
};

export type CryptoStreamStatus = {
  readonly observedGeneration?: number;
  readonly conditions?: readonly Condition[];
  /** The partition of each symbol's candles in every interval's topic (src/core/kline/partitions.ts). */
  readonly symbolPartitions?: Readonly<Record<string, number>>;
  readonly endpoints?: Endpoints;
  /** spec.symbols as the Symbols column of `kubectl get` shows them: `BTCUSDC,ETHUSDC`, long lists counted. */
  readonly symbols?: string;
  /** spec.intervals for the Intervals column: `1m,1h`. */
  readonly intervals?: string;
};

export type CryptoStream = {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: typeof KIND;
  readonly metadata: V1ObjectMeta & {
    readonly name: string;
    readonly namespace: string;
    readonly uid?: string;
  };
  readonly spec: CryptoStreamSpec;
  readonly status?: CryptoStreamStatus;
};
