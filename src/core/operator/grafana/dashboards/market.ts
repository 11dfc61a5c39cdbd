import { AxisPlacement, GraphDrawStyle } from '@grafana/grafana-foundation-sdk/common';
import {
  CandlestickColorsBuilder,
  CandlestickFieldMapBuilder,
  CandleStyle,
  ColorStrategy,
  PanelBuilder as CandlestickPanel,
  VizDisplayMode,
} from '@grafana/grafana-foundation-sdk/candlestick';
import {
  AnnotationQueryBuilder,
  ConstantVariableBuilder,
  DashboardBuilder,
  DashboardCursorSync,
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { BUCKET_ENRICHED, BUCKET_RAW } from '../../names.ts';
import { fluxAnnotationTarget, FluxQueryBuilder, INFLUX_DATASOURCE } from './fluxQuery.ts';
import { at, legend, levelLines, timeseries, tooltip } from './panels.ts';
import {
  ADX_FIELDS,
  alertsQuery,
  candlesQuery,
  indicatorQuery,
  intervalsQuery,
  MACD_FIELDS,
  RSI_FIELDS,
  storedCandlesQuery,
  symbolsQuery,
  VAR,
  VOLATILITY_FIELDS,
} from './queries.ts';

/**
 * Every window holds at least one candle: the panels' minimum interval is the chosen candle interval
 * (Grafana's `v.windowPeriod` is never below a panel's `interval`).
 */
const CANDLE_WINDOW = `\${${VAR.interval}}`;

/** A variable of the values stored in the dashboard's time range (listed again when the range changes). */
const marketVariable = (name: string, label: string, query: string, sort: VariableSort) =>
  new QueryVariableBuilder(name)
    .label(label)
    .datasource(INFLUX_DATASOURCE)
    .query({ refId: 'InfluxVariableQueryEditor-VariableQuery', query })
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(sort);

const candles = () =>
  new CandlestickPanel()
    .id(1)
    .title(`\${${VAR.symbol}} \${${VAR.interval}}`)
    .description(
      'Candles (first open, highest high, lowest low, last close of each window) with their summed volume, ' +
        'under the SMA, EMA and Bollinger bands (mean per window).',
    )
    .datasource(INFLUX_DATASOURCE)
    .gridPos(at(0, 0, 24, 12))
    .interval(CANDLE_WINDOW)
    .withTarget(new FluxQueryBuilder(candlesQuery()))
    .mode(VizDisplayMode.CandlesVolume)
    .candleStyle(CandleStyle.Candles)
    .colorStrategy(ColorStrategy.OpenClose)
    .colors(new CandlestickColorsBuilder().up('green').down('red').flat('gray'))
    .fields(
      new CandlestickFieldMapBuilder().open('open').high('high').low('low').close('close').volume('volume'),
    )
    .includeAllFields(true)
    .legend(legend())
    .tooltip(tooltip())
    .lineWidth(1)
    .overrideByRegexp('^bb_(upper|lower)$', [
      { id: 'custom.lineStyle', value: { fill: 'dash', dash: [4, 4] } },
    ]);

/**
 * The alerts that fired on the chosen market (issue 16), as annotations on every panel: a marker at the
 * candle's open time, the alert's message as its text. On by default, toggled at the top of the dashboard.
 */
const alerts = () =>
  new AnnotationQueryBuilder()
    .name('Alerts')
    .datasource(INFLUX_DATASOURCE)
    .enable(true)
    .hide(false)
    .iconColor('orange')
    .target(fluxAnnotationTarget(alertsQuery()));

const indicator = (
  id: number,
  title: string,
  description: string,
  pos: ReturnType<typeof at>,
  fields: string,
) => timeseries(id, title, description, pos, indicatorQuery(fields)).interval(CANDLE_WINDOW);

/** The market dashboard: one symbol and interval, chosen among the stored ones. */
export const marketDashboard = (): Dashboard =>
  new DashboardBuilder('CryptoStream: market')
    .uid('cryptostream-market')
    .tags(['cryptostream'])
    .timezone('utc')
    .refresh('30s')
    .time({ from: 'now-6h', to: 'now' })
    .tooltip(DashboardCursorSync.Crosshair)
    .readonly()
    .withVariable(new ConstantVariableBuilder(VAR.bucketRaw).value(BUCKET_RAW))
    .withVariable(new ConstantVariableBuilder(VAR.bucketEnriched).value(BUCKET_ENRICHED))
    .withVariable(marketVariable(VAR.symbol, 'Symbol', symbolsQuery(), VariableSort.AlphabeticalAsc))
    .withVariable(marketVariable(VAR.interval, 'Interval', intervalsQuery(), VariableSort.Disabled))
    .annotation(alerts())
    .withPanel(candles())
    .withPanel(
      levelLines(
        indicator(
          2,
          'RSI',
          'Relative strength index (mean per window); 30 and 70 dashed.',
          at(0, 12, 12, 8),
          RSI_FIELDS,
        )
          .min(0)
          .max(100),
        [30, 70],
      ),
    )
    .withPanel(
      indicator(
        3,
        'MACD',
        'MACD line and signal (mean per window), histogram as bars.',
        at(12, 12, 12, 8),
        MACD_FIELDS,
      ).overrideByName('macd_hist', [
        { id: 'custom.drawStyle', value: GraphDrawStyle.Bars },
        { id: 'custom.fillOpacity', value: 60 },
      ]),
    )
    .withPanel(
      indicator(
        4,
        'ATR and volatility',
        'Average true range (price units, left axis) and the volatility of log returns (right axis), mean per window.',
        at(0, 20, 12, 8),
        VOLATILITY_FIELDS,
      ).overrideByRegexp('^volatility_', [
        { id: 'custom.axisPlacement', value: AxisPlacement.Right },
        { id: 'unit', value: 'percentunit' },
      ]),
    )
    .withPanel(
      indicator(
        5,
        'ADX',
        'Average directional index: trend strength (mean per window).',
        at(12, 20, 12, 8),
        ADX_FIELDS,
      )
        .min(0)
        .max(100),
    )
    .withPanel(
      timeseries(
        6,
        'Stored candles',
        'Candles stored per window, by kind: the exchange’s (raw), enriched, and derived from a finer interval ' +
          '(a consumer’s data-quality check). Raw and enriched apart: a consumer is behind or failing.',
        at(0, 28, 24, 6),
        storedCandlesQuery(),
      )
        .interval(CANDLE_WINDOW)
        .drawStyle(GraphDrawStyle.Bars)
        .fillOpacity(40)
        .min(0),
    )
    .build();
