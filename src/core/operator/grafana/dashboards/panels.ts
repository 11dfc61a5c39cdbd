import {
  GraphDrawStyle,
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  LegendDisplayMode,
  LegendPlacement,
  SortOrder,
  TooltipDisplayMode,
  VizLegendOptionsBuilder,
  VizTooltipOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import type { GridPos } from '@grafana/grafana-foundation-sdk/dashboard';
import { ThresholdsConfigBuilder, ThresholdsMode } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { FluxQueryBuilder, INFLUX_DATASOURCE } from './fluxQuery.ts';

/** Shared pieces of the dashboards' panels (SDK builders; used at build time only, by gen-grafana). */

export const legend = () =>
  new VizLegendOptionsBuilder()
    .showLegend(true)
    .displayMode(LegendDisplayMode.List)
    .placement(LegendPlacement.Bottom);

export const tooltip = () =>
  new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.None);

export const at = (x: number, y: number, w: number, h: number): GridPos => ({ x, y, w, h });

/** A time series panel of one Flux query. */
export const timeseries = (id: number, title: string, description: string, pos: GridPos, query: string) =>
  new TimeseriesPanel()
    .id(id)
    .title(title)
    .description(description)
    .datasource(INFLUX_DATASOURCE)
    .gridPos(pos)
    .withTarget(new FluxQueryBuilder(query))
    .legend(legend())
    .tooltip(tooltip())
    .drawStyle(GraphDrawStyle.Line)
    .lineWidth(1)
    .fillOpacity(0)
    .spanNulls(true);

/** Dashed horizontal lines at `levels` (e.g. RSI 30 and 70). */
export const levelLines = (panel: TimeseriesPanel, levels: readonly number[]) =>
  panel
    .thresholds(
      new ThresholdsConfigBuilder()
        .mode(ThresholdsMode.Absolute)
        .steps([
          { value: null, color: 'transparent' },
          ...levels.map((value) => ({ value, color: 'orange' })),
        ]),
    )
    .thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed));
