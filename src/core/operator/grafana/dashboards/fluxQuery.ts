import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/dashboard';
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
