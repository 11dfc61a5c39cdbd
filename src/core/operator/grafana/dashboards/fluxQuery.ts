import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type { AnnotationTarget, DataSourceRef } from '@grafana/grafana-foundation-sdk/dashboard';
import { DATASOURCE_UID } from '../flux.ts';

/** The provisioned InfluxDB (Flux) datasource, as dashboards and panels reference it. */
export const INFLUX_DATASOURCE: DataSourceRef = { type: 'influxdb', uid: DATASOURCE_UID };

/**
 * A query of Grafana's InfluxDB datasource in Flux mode: its raw Flux text (the SDK has no InfluxDB
 * dataquery, so this is the SDK's `Dataquery` variant for it, built like the SDK's own).
 */
export interface FluxQuery extends cog.Dataquery {
  refId: string;
  datasource: DataSourceRef;
  /** Flux, with Grafana's macros (`v.timeRangeStart`, `v.timeRangeStop`, `v.windowPeriod`) and `${variables}`. */
  query: string;
  hide?: boolean;
}

export class FluxQueryBuilder implements cog.Builder<FluxQuery> {
  private readonly internal: FluxQuery;

  constructor(query: string) {
    this.internal = {
      refId: 'A',
      datasource: INFLUX_DATASOURCE,
      query,
      _implementsDataqueryVariant: () => undefined,
    };
  }

  refId(refId: string): this {
    this.internal.refId = refId;
    return this;
  }

  build(): FluxQuery {
    return this.internal;
  }
}

/**
 * A Flux query as the target of a dashboard annotation query (`AnnotationQueryBuilder.target`). Grafana runs
 * an annotation's target as a query of the annotation's datasource, here a `FluxQuery`; the SDK types the
 * target as the built-in Grafana datasource's query (`AnnotationTarget`: limit, matchAny, tags, type; its
 * own comment: "this should just be a normal query target", which later SDKs type as a `Dataquery`), so
 * the Flux query is handed to the builder under that type. The tests check the target against `FluxQuery`.
 */
export const fluxAnnotationTarget = (query: string, refId = 'Anno'): cog.Builder<AnnotationTarget> => {
  const flux = new FluxQueryBuilder(query).refId(refId);
  return { build: () => flux.build() as unknown as AnnotationTarget };
};
