import { GraphDrawStyle, StackingConfigBuilder, StackingMode } from '@grafana/grafana-foundation-sdk/common';
import {
  ConstantVariableBuilder,
  DashboardBuilder,
  DashboardCursorSync,
} from '@grafana/grafana-foundation-sdk/dashboard';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { WEIGHT_LIMIT_1M } from '../../../binance/budget.ts';
import { BUCKET_RAW } from '../../names.ts';
import { PIPELINE_FIELDS as F, PIPELINE_REPORT_MS } from '../../../points/pipeline.ts';
import { at, levelLines, timeseries } from './panels.ts';
import {
  countQuery,
  deadLettersByFieldQuery,
  derivationMismatchesQuery,
  derivationOutcomesQuery,
  gaugeQuery,
  latencyQuery,
  perMinuteQuery,
  VAR,
} from './queries.ts';

/** Windows of at least one report of every worker. */
const REPORT_WINDOW = `${PIPELINE_REPORT_MS / 1000}s`;

type Pos = ReturnType<typeof at>;

const panel = (id: number, title: string, description: string, pos: Pos, query: string) =>
  timeseries(id, title, description, pos, query).interval(REPORT_WINDOW);

const bars = (id: number, title: string, description: string, pos: Pos, query: string) =>
  panel(id, title, description, pos, query).drawStyle(GraphDrawStyle.Bars).fillOpacity(60).min(0).decimals(0);

/** Bars of several series stacked: a window's bar is their total. */
const stackedBars = (id: number, title: string, description: string, pos: Pos, query: string) =>
  bars(id, title, description, pos, query).stacking(new StackingConfigBuilder().mode(StackingMode.Normal));

const fixedColor = (color: string) => [{ id: 'color', value: { mode: 'fixed', fixedColor: color } }];

/** The pipeline-health dashboard: the `pipeline` measurement the producers and consumers report. */
export const pipelineDashboard = (): Dashboard =>
  new DashboardBuilder('CryptoStream: pipeline health')
    .uid('cryptostream-pipeline')
    .tags(['cryptostream'])
    .timezone('utc')
    .refresh('30s')
    .time({ from: 'now-3h', to: 'now' })
    .tooltip(DashboardCursorSync.Crosshair)
    .readonly()
    .withVariable(new ConstantVariableBuilder(VAR.bucketRaw).value(BUCKET_RAW))
    .withPanel(
      panel(
        1,
        'Candles per minute',
        'Per interval, all symbols: candles fetched from Binance and published to Kafka (producer), stored in ' +
          'InfluxDB (consumers). Apart for long: a stage is behind.',
        at(0, 0, 24, 8),
        perMinuteQuery([F.fetched, F.published, F.stored]),
      )
        .unit('cpm')
        .min(0),
    )
    .withPanel(
      panel(
        2,
        'End-to-end latency',
        'Candle close to stored in InfluxDB, per interval: mean of the reported medians (p50) and highest ' +
          'reported 99th percentile (p99) of each window.',
        at(0, 8, 12, 8),
        latencyQuery(),
      )
        .unit('ms')
        .min(0),
    )
    .withPanel(
      panel(
        3,
        'Consumer lag',
        'Kafka records not yet stored, per interval: the sum over consumer replicas of each one’s highest lag ' +
          'in the window.',
        at(12, 8, 12, 8),
        gaugeQuery(F.lag, 'sum', 'field and interval'),
      )
        .unit('short')
        .min(0)
        .decimals(0),
    )
    .withPanel(
      bars(
        4,
        'Dead letters',
        'Records sent to the dead-letter topic per window, per interval: kline rows from Binance that are no ' +
          'valid candle (producer), invalid records (consumers).',
        at(0, 16, 8, 8),
        countQuery([F.deadLetters], 'field and interval'),
      ),
    )
    .withPanel(
      levelLines(
        panel(
          5,
          'Binance request weight',
          `The used weight Binance reports (x-mbx-used-weight-1m, limit ${WEIGHT_LIMIT_1M} per minute and IP, ` +
            'dashed), highest per window: the producer spends it for all its intervals.',
          at(8, 16, 8, 8),
          gaugeQuery(F.binanceWeight, 'max', 'field'),
        )
          .min(0)
          .decimals(0),
        [WEIGHT_LIMIT_1M],
      ),
    )
    .withPanel(
      bars(
        6,
        'Binance 429 / 418',
        'Answers 429 (rate limited: the producer backs off) and 418 (IP banned) per window. Anything but 0 ' +
          'needs a look.',
        at(16, 16, 8, 8),
        countQuery([F.binance429, F.binance418], 'field'),
      ),
    )
    .withPanel(
      stackedBars(
        7,
        'Dead letters by field',
        'Records sent to the dead-letter topics per window, by who sent them, the field at fault (the ' +
          'metrics’ `field` label) and interval: `producer_<field>_<interval>` kline rows from Binance, ' +
          '`consumer_<field>_<interval>` records (`openTime`: InfluxDB refused the points, e.g. older than the ' +
          'retention); `record`: the record as a whole (unreadable). Only fields with a dead letter in the ' +
          'range show.',
        at(0, 24, 8, 8),
        deadLettersByFieldQuery(),
      ),
    )
    .withPanel(
      stackedBars(
        8,
        'Derived vs exchange',
        'Coarser candles the consumers derive (`--derive`) compared with the exchange candle as stored, per ' +
          'window and derived interval: `derived_match`, `derived_mismatch` (differs in a field), ' +
          '`derived_unverified` (no exchange candle stored in time). Anything but matches needs a look.',
        at(8, 24, 8, 8),
        derivationOutcomesQuery(),
      )
        .overrideByRegexp(`^${F.derivedMatch}_`, fixedColor('green'))
        .overrideByRegexp(`^${F.derivedMismatch}_`, fixedColor('red'))
        .overrideByRegexp(`^${F.derivedUnverified}_`, fixedColor('orange')),
    )
    .withPanel(
      stackedBars(
        9,
        'Derived vs exchange: mismatching fields',
        'The fields in which derived candles differed from the exchange candle, per window, as ' +
          '`<field>_<derived interval>` (a candle may differ in several). Only fields that differed in the ' +
          'range show.',
        at(16, 24, 8, 8),
        derivationMismatchesQuery(),
      ),
    )
    .build();
