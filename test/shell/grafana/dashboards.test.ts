/**
 * Every query of the provisioned dashboards (panels and template variables), filled in as Grafana fills it
 * in (grafanaFlux.ts), run on the real InfluxDB of `npm run services:up` against known points: the recorded
 * candles with the core's own indicators, and pipeline reports in the schema of src/core/points/pipeline.ts. A query
 * that fails or returns no row fails its test.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { alertId, alertLine, alertMessage, type Alert } from '../../../src/core/alerts/index.ts';
import { defaultIndicatorConfig, enricher } from '../../../src/core/indicators/index.ts';
import type { MarketCandle } from '../../../src/core/kline/candle.ts';
import { intervalMs, type Interval } from '../../../src/core/kline/interval.ts';
import { aCryptoStream } from '../../core/operator/aCryptoStream.ts';
import { dashboards } from '../../../src/core/operator/grafana/dashboards.ts';
import type { DashboardJson, FluxTarget } from '../../../src/core/operator/grafana/dashboards.ts';
import { VAR } from '../../../src/core/operator/grafana/dashboards/queries.ts';
import {
  consumerMarketPoint,
  consumerPoint,
  deadLetterFieldPoints,
  derivationMismatchPoints,
  derivationPoint,
  PIPELINE_REPORT_MS,
  producerMarketPoint,
  producerPoint,
} from '../../../src/core/points/pipeline.ts';
import { candleSeries, rawLine } from '../../../src/core/points/candleLines.ts';
import { toLineProtocol } from '../../../src/core/points/lineProtocol.ts';
import { enrichedPoint, rawPoint } from '../../../src/core/points/point.ts';
import type { Point } from '../../../src/core/points/point.ts';
import { fifteenMinuteWeek, readCandles } from '../../fixtures/binance.ts';
import { influx, query, testBuckets, writeLines, type Row } from './buckets.ts';
import { grafanaFlux, requestIntervalMs, type GrafanaRequest } from './grafanaFlux.ts';

const { names: buckets, create: createBuckets } = testBuckets('grafana', ['raw', 'enriched']);

/* The known points: two markets' recorded 15m week, one's 1h month, enriched by the core. */

const WEEK = { from: new Date(Date.UTC(2024, 8, 16)), to: new Date(Date.UTC(2024, 8, 23)) };
const btc15 = fifteenMinuteWeek('BTCUSDC');
const eth15 = fifteenMinuteWeek('ETHUSDC');
const btc1h: MarketCandle[] = readCandles('BTCUSDT', '1h', 'BTCUSDT-1h-2024-09.json').map((c) => ({
  ...c,
  symbol: 'BTCUSDC',
  interval: '1h' as const,
}));

const enrichedPoints = (candles: readonly MarketCandle[]): Point[] => {
  const e = enricher(defaultIndicatorConfig);
  let state = e.init;
  return candles.map((c) => {
    const [next, indicators] = e.step(state, c);
    state = next;
    return enrichedPoint(c, indicators);
  });
};
const btc15Enriched = enrichedPoints(btc15);

/*
 * Alerts as the consumers write them (`alertLine`, enriched bucket): BTCUSDC 15m alerts in the week (two on
 * one candle), one of BTCUSDC 15m before it, one of BTCUSDC 1h and one of ETHUSDC 15m in it.
 */
const anAlert = (
  rule: string,
  kind: Alert['kind'],
  candle: MarketCandle,
  direction: Alert['direction'],
  value: number,
  threshold: number,
): Alert => ({
  id: alertId(rule, candle.symbol, candle.interval, candle.openTime),
  rule,
  kind,
  direction,
  symbol: candle.symbol,
  interval: candle.interval,
  openTime: candle.openTime,
  closeTime: candle.openTime + intervalMs[candle.interval] - 1,
  value,
  threshold,
  previous: null,
  ...(kind === 'change' ? { window: 4 } : {}),
});
const btc15Alerts: Alert[] = [
  anAlert('btc-high', 'close', btc15[10]!, 'above', Number(btc15[10]!.close), 58000),
  anAlert('btc-rsi', 'rsi', btc15[200]!, 'below', 28.5, 30),
  anAlert('btc-drop', 'change', btc15[200]!, 'below', -1.2345, -1),
  anAlert('btc-volume', 'volume', btc15.at(-1)!, 'above', Number(btc15.at(-1)!.volume), 100),
];
const otherAlerts: Alert[] = [
  anAlert('btc-high', 'close', { ...btc15[0]!, openTime: WEEK.from.getTime() - 15 * 60_000 }, 'above', 1, 0),
  anAlert(
    'btc-hourly',
    'close',
    btc1h.find((c) => c.openTime === btc15[8]!.openTime)!,
    'above',
    1,
    0,
  ),
];
const eth15Alert = anAlert('eth-low', 'close', eth15[300]!, 'below', Number(eth15[300]!.close), 2400);

/*
 * Pipeline reports of one hour: the producer of both intervals, consumers per interval (15m: two replicas,
 * both deriving 1h candles), with the dead letters by field at fault (as many as `dead_letters` counts).
 */

const HOUR = { from: new Date(Date.UTC(2024, 8, 16, 12)), to: new Date(Date.UTC(2024, 8, 16, 13)) };
const reportTimes = Array.from(
  { length: 3_600_000 / PIPELINE_REPORT_MS },
  (_, i) => HOUR.from.getTime() + i * PIPELINE_REPORT_MS + 1234,
);
const CONSUMERS: {
  interval: Interval;
  instance: string;
  symbols: string[];
  lag: number;
  /** Its 2 dead letters of report 200 by field. */
  deadBy: Record<string, number>;
}[] = [
  { interval: '15m', instance: 'consumer-15m-a', symbols: ['BTCUSDC'], lag: 5, deadBy: { openTime: 2 } },
  {
    interval: '15m',
    instance: 'consumer-15m-b',
    symbols: ['ETHUSDC'],
    lag: 7,
    deadBy: { openTime: 1, record: 1 },
  },
  { interval: '1h', instance: 'consumer-1h-a', symbols: ['BTCUSDC', 'ETHUSDC'], lag: 0, deadBy: { high: 2 } },
];
/** The derived 1h candles each 15m replica compared in report i: matches, one mismatch, one unverified. */
const DERIVED = {
  'consumer-15m-a': (i: number) => ({ match: i % 2, mismatch: i === 150 ? 1 : 0, unverified: 0 }),
  'consumer-15m-b': (i: number) => ({
    match: i % 3 === 0 ? 1 : 0,
    mismatch: 0,
    unverified: i === 250 ? 1 : 0,
  }),
} as const;
const MISMATCH_REPORT = 150;
const stored = (i: number, symbol: string) => (i + symbol.length) % 3;
const pipelinePoints: Point[] = reportTimes.flatMap((t, i) => [
  producerPoint(
    'producer',
    { binanceWeight: 100 + (i % 50), binance429: i === 100 ? 1 : 0, binance418: 0 },
    t,
  ),
  ...(['15m', '1h'] as const).flatMap((interval) =>
    ['BTCUSDC', 'ETHUSDC'].map((s) =>
      producerMarketPoint(
        interval,
        'producer',
        s,
        { fetched: stored(i, s), published: stored(i, s), deadLetters: i === 300 && s === 'BTCUSDC' ? 1 : 0 },
        t,
      ),
    ),
  ),
  ...deadLetterFieldPoints('producer', '15m', 'producer', 'BTCUSDC', i === 300 ? { close: 1 } : {}, t),
  ...CONSUMERS.flatMap((c) => [
    consumerPoint(c.interval, c.instance, { lag: c.lag + (i % 2), deadLetters: i === 200 ? 2 : 0 }, t),
    ...deadLetterFieldPoints('consumer', c.interval, c.instance, undefined, i === 200 ? c.deadBy : {}, t),
    ...c.symbols.map((s) =>
      consumerMarketPoint(
        c.interval,
        c.instance,
        s,
        stored(i, s) === 0
          ? { stored: 0 }
          : { stored: stored(i, s), latencyP50Ms: 300 + i, latencyP99Ms: 900 + i },
        t,
      ),
    ),
  ]),
  ...Object.entries(DERIVED).flatMap(([instance, outcomes]) => [
    derivationPoint('1h', instance, outcomes(i), t),
    ...derivationMismatchPoints(
      '1h',
      instance,
      i === MISMATCH_REPORT && instance === 'consumer-15m-a' ? { volume: 1, close: 1 } : {},
      t,
    ),
  ]),
]);

before(async () => {
  await createBuckets();
  const all = [btc15, eth15, btc1h];
  await writeLines(buckets.raw, [
    ...all.flatMap((cs) => cs.map((c) => toLineProtocol(rawPoint(c)))),
    // 1h candles a 15m consumer derived (here: the exchange's own, under type=derived).
    ...btc1h.map((c) => rawLine(candleSeries('derived', c), c)),
    ...pipelinePoints.map(toLineProtocol),
  ]);
  await writeLines(buckets.enriched, [
    ...btc15Enriched.map(toLineProtocol),
    // One candle of further intervals, for the interval variable's order.
    ...(['1w', '1s', '1d'] as const).map((interval) =>
      toLineProtocol(enrichedPoint({ ...btc15[0]!, interval }, {})),
    ),
    ...[eth15, btc1h].flatMap((cs) => enrichedPoints(cs).map(toLineProtocol)),
    ...[...btc15Alerts, ...otherAlerts, eth15Alert].map(alertLine),
  ]);
});

const cr = aCryptoStream();
const [market, pipeline] = dashboards(cr) as [DashboardJson, DashboardJson];
const constants = { [VAR.bucketRaw]: buckets.raw, [VAR.bucketEnriched]: buckets.enriched };
const datasource = { defaultBucket: buckets.enriched, organization: influx.org };

type Panel = DashboardJson['panels'][number];
const request = (
  panel: Panel | undefined,
  range: { from: Date; to: Date },
  maxDataPoints: number,
  variables: Record<string, string>,
): GrafanaRequest => ({
  ...range,
  maxDataPoints,
  variables: { ...constants, ...variables },
  minInterval: panel?.interval,
  datasource,
});

/** Runs every target of a panel as Grafana would; each must answer rows. */
const runPanel = async (panel: Panel, r: GrafanaRequest): Promise<Row[]> => {
  assert.ok(panel.targets.length > 0, `${panel.title} has a query`);
  const rows: Row[] = [];
  for (const t of panel.targets) {
    assert.match(t.query, /aggregateWindow\(every: v\.windowPeriod,/, `${panel.title}: one row per window`);
    const flux = grafanaFlux(t.query, r);
    assert.doesNotMatch(flux, /\$\{|\bv\.\w/, `${panel.title}: every variable and macro is filled in`);
    const answer = await query(flux).catch((e: unknown) => {
      throw new Error(`${panel.title}: ${String(e)}\n${flux}`);
    });
    assert.ok(answer.length > 0, `${panel.title} returns rows:\n${flux}`);
    rows.push(...answer);
  }
  return rows;
};

const panelNamed = (d: DashboardJson, title: string): Panel => {
  const p = d.panels.find((x) => x.title === title);
  assert.ok(p, `${d.title} has a panel ${title}`);
  return p;
};

const timeOf = (row: Row) => Date.parse(String(row['_time']));
const close = (actual: unknown, expected: number, what: string) =>
  assert.ok(
    typeof actual === 'number' && Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
    `${what}: ${String(actual)} ≠ ${expected}`,
  );

describe('the market dashboard on InfluxDB', () => {
  const btc = { [VAR.symbol]: 'BTCUSDC', [VAR.interval]: '15m' };

  it('lists the stored symbols and intervals in its variables', async () => {
    const values = async (name: string) => {
      const v = market.templating.list?.find((x) => x.name === name);
      const q = (v?.query as { query: string } | undefined)?.query;
      assert.ok(q, `variable ${name} has a query`);
      const rows = await query(grafanaFlux(q, request(undefined, WEEK, 1000, {})));
      return rows.map((r) => r['_value']);
    };
    assert.deepEqual(await values(VAR.symbol), ['BTCUSDC', 'ETHUSDC']);
    assert.deepEqual(await values(VAR.interval), ['1s', '15m', '1h', '1d', '1w'], 'shortest first');
  });

  for (const [width, windows] of [
    [1800, 'one candle per window (the panel min interval, 15m)'],
    [100, 'two-hour windows'],
  ] as const)
    it(`answers every panel for BTCUSDC 15m over the week, ${windows}`, async () => {
      for (const panel of market.panels) await runPanel(panel, request(panel, WEEK, width, btc));
    });

  it('draws each stored candle, with its overlays, when a window holds one candle', async () => {
    const panel = panelNamed(market, '${symbol} ${interval}');
    const r = request(panel, WEEK, 1800, btc);
    assert.equal(requestIntervalMs(r), 15 * 60_000, 'never below the candle interval');
    const rows = await runPanel(panel, r);
    assert.equal(rows.length, btc15.length);
    rows.forEach((row, i) => {
      const p = btc15Enriched[i]!;
      assert.equal(timeOf(row), p.time, 'at its open time');
      for (const f of ['open', 'high', 'low', 'close', 'volume', 'sma_7', 'ema_12', 'bb_upper', 'bb_lower'])
        if (p.fields[f] !== undefined) close(row[f], p.fields[f].value, `${f} at ${i}`);
        else assert.equal(row[f] ?? null, null, `no ${f} at ${i} (warming up)`);
      assert.equal(row['rsi_14'], undefined, 'nothing but the candle and its overlays');
    });
  });

  it('aggregates a window of candles into one: first open, max high, min low, last close, summed volume', async () => {
    const panel = panelNamed(market, '${symbol} ${interval}');
    const r = request(panel, WEEK, 100, btc);
    const every = requestIntervalMs(r);
    assert.equal(every, 2 * 3_600_000);
    const rows = await runPanel(panel, r);
    const windows = Map.groupBy(btc15, (c) => Math.floor(c.openTime / every) * every);
    assert.equal(rows.length, windows.size);
    for (const row of rows) {
      const cs = windows.get(timeOf(row));
      assert.ok(cs, `a window at ${String(row['_time'])}`);
      close(row['open'], Number(cs[0]!.open), 'open');
      close(row['high'], Math.max(...cs.map((c) => Number(c.high))), 'high');
      close(row['low'], Math.min(...cs.map((c) => Number(c.low))), 'low');
      close(row['close'], Number(cs.at(-1)!.close), 'close');
      close(
        row['volume'],
        cs.reduce((s, c) => s + Number(c.volume), 0),
        'volume',
      );
    }
  });

  it('puts every indicator in a panel of its own', async () => {
    const columns = async (title: string) => {
      const panel = panelNamed(market, title);
      const rows = await runPanel(panel, request(panel, WEEK, 1800, btc));
      return [...new Set(rows.flatMap((row) => Object.keys(row)))]
        .filter((k) => !['result', 'table', '_time'].includes(k))
        .sort();
    };
    assert.deepEqual(await columns('RSI'), ['rsi_14']);
    assert.deepEqual(await columns('MACD'), ['macd', 'macd_hist', 'macd_signal']);
    assert.deepEqual(await columns('ATR and volatility'), ['atr_14', 'volatility_20']);
    assert.deepEqual(await columns('ADX'), ['adx_14']);
  });

  it('shows the alerts of the chosen symbol and interval as annotations, their message as text', async () => {
    const [annotation, ...more] = market.annotations.list ?? [];
    assert.ok(annotation, 'an annotation query');
    assert.equal(more.length, 0);
    const target = annotation.target as unknown as FluxTarget;
    const run = async (variables: Record<string, string>) => {
      const flux = grafanaFlux(target.query, request(undefined, WEEK, 1800, variables));
      assert.doesNotMatch(flux, /\$\{|\bv\.\w/, 'every variable and macro is filled in');
      const rows = await query(flux);
      // Grafana's mapping: time = the first time column (`_time`), text = the column `text`.
      for (const row of rows)
        assert.deepEqual(Object.keys(row).sort(), ['_time', 'result', 'table', 'text'], 'time and text only');
      assert.equal(new Set(rows.map((row) => row['table'])).size, Math.min(rows.length, 1), 'one table');
      return rows.map((row) => [timeOf(row), row['text']]);
    };
    const expected = (alerts: readonly Alert[]) =>
      alerts
        .map((a) => [a.openTime, alertMessage(a)] as const)
        .sort(([t, m], [u, n]) => t - u || String(m).localeCompare(String(n)));
    const byTimeThenText = (rows: unknown[][]) =>
      [...rows].sort(([t, m], [u, n]) => Number(t) - Number(u) || String(m).localeCompare(String(n)));

    const btcRows = await run(btc);
    assert.deepEqual(
      btcRows.map(([t]) => t),
      [...btcRows.map(([t]) => t)].sort((a, b) => Number(a) - Number(b)),
      'in time order',
    );
    assert.deepEqual(byTimeThenText(btcRows), expected(btc15Alerts), 'the BTCUSDC 15m alerts of the week');
    assert.deepEqual(await run({ [VAR.symbol]: 'ETHUSDC', [VAR.interval]: '15m' }), expected([eth15Alert]));
    assert.deepEqual(await run({ ...btc, [VAR.interval]: '1h' }), expected([otherAlerts[1]!]));
    assert.deepEqual(await run({ [VAR.symbol]: 'ETHUSDC', [VAR.interval]: '1h' }), [], 'no alert, no row');
  });

  it('counts the stored candles of each kind', async () => {
    const panel = panelNamed(market, 'Stored candles');
    const rows = await runPanel(panel, request(panel, WEEK, 1800, { ...btc, [VAR.interval]: '1h' }));
    const inWeek = btc1h.filter((c) => c.openTime >= WEEK.from.getTime() && c.openTime < WEEK.to.getTime());
    for (const kind of ['raw', 'enriched', 'derived'])
      assert.equal(
        rows.reduce((n, row) => n + Number(row[kind] ?? 0), 0),
        inWeek.length,
        `${kind} candles`,
      );
  });
});

describe('the pipeline-health dashboard on InfluxDB', () => {
  for (const width of [1000, 40])
    it(`answers every panel over an hour of reports (${width} points wide)`, async () => {
      for (const panel of pipeline.panels) await runPanel(panel, request(panel, HOUR, width, {}));
    });

  it('shows the candles per minute of each stage and interval', async () => {
    const panel = panelNamed(pipeline, 'Candles per minute');
    const r = request(panel, HOUR, 40, {});
    const minutes = requestIntervalMs(r) / 60_000;
    const rows = await runPanel(panel, r);
    const total = (column: string) => rows.reduce((n, row) => n + Number(row[column] ?? 0) * minutes, 0);
    const expected = (symbols: readonly string[]) =>
      reportTimes.reduce((n, _, i) => n + symbols.reduce((m, s) => m + stored(i, s), 0), 0);
    for (const column of ['fetched_15m', 'published_15m', 'stored_15m', 'fetched_1h', 'stored_1h'])
      close(total(column), expected(['BTCUSDC', 'ETHUSDC']), column);
  });

  it("adds up the consumer replicas' lag and keeps the highest Binance weight", async () => {
    const lag = await runPanel(panelNamed(pipeline, 'Consumer lag'), request(undefined, HOUR, 1000, {}));
    // 10 s windows, one report of each replica: 5 or 6 plus 7 or 8.
    for (const row of lag)
      assert.ok([12, 14].includes(Number(row['lag_15m'])), `lag ${String(row['lag_15m'])}`);
    const weight = await runPanel(
      panelNamed(pipeline, 'Binance request weight'),
      request(undefined, HOUR, 40, {}),
    );
    assert.ok(weight.some((row) => row['binance_weight'] === 149));
    assert.ok(weight.every((row) => Number(row['binance_weight']) >= 100));
  });

  it('counts the dead letters and the 429s', async () => {
    const rows = async (title: string) =>
      runPanel(panelNamed(pipeline, title), request(panelNamed(pipeline, title), HOUR, 40, {}));
    const sum = (rs: Row[], column: string) => rs.reduce((n, row) => n + Number(row[column] ?? 0), 0);
    assert.equal(
      sum(await rows('Dead letters'), 'dead_letters_15m'),
      4 + 1,
      'the consumers’ and the producer’s',
    );
    const binance = await rows('Binance 429 / 418');
    assert.equal(sum(binance, 'binance_429'), 1);
    assert.equal(sum(binance, 'binance_418'), 0);
  });

  it('counts the dead letters by who sent them and the field at fault', async () => {
    const panel = panelNamed(pipeline, 'Dead letters by field');
    const sum = (rs: Row[], column: string) => rs.reduce((n, row) => n + Number(row[column] ?? 0), 0);
    for (const width of [1000, 40]) {
      const rows = await runPanel(panel, request(panel, HOUR, width, {}));
      const columns = new Set(rows.flatMap((row) => Object.keys(row)));
      for (const [column, count] of [
        ['producer_close_15m', 1],
        ['consumer_openTime_15m', 3],
        ['consumer_record_15m', 1],
        ['consumer_high_1h', 2],
      ] as const)
        assert.equal(sum(rows, column), count, `${column} (${width} wide)`);
      assert.deepEqual(
        [...columns].filter((c) => /^(producer|consumer)_/.test(c)).sort(),
        ['consumer_high_1h', 'consumer_openTime_15m', 'consumer_record_15m', 'producer_close_15m'],
        'one series per role, field and interval',
      );
    }
    // One report per window at 10 s: the 15m replicas' 3 openTime dead letters of report 200 in its window.
    const rows = await runPanel(panel, request(panel, HOUR, 1000, {}));
    const at200 = rows.filter(
      (row) => row['consumer_openTime_15m'] !== null && row['consumer_openTime_15m'] !== undefined,
    );
    assert.deepEqual(
      at200.map((row) => [
        (timeOf(row) - HOUR.from.getTime()) / PIPELINE_REPORT_MS - 1,
        row['consumer_openTime_15m'],
      ]),
      [[200, 3]],
    );
  });

  it('shows the derived candles compared with the exchange by outcome, and the mismatching fields', async () => {
    const outcomes = panelNamed(pipeline, 'Derived vs exchange');
    const fields = panelNamed(pipeline, 'Derived vs exchange: mismatching fields');
    const sum = (rs: Row[], column: string) => rs.reduce((n, row) => n + Number(row[column] ?? 0), 0);
    const expected = (f: (o: { match: number; mismatch: number; unverified: number }) => number) =>
      reportTimes.reduce(
        (n, _, i) => n + f(DERIVED['consumer-15m-a'](i)) + f(DERIVED['consumer-15m-b'](i)),
        0,
      );
    for (const width of [1000, 40]) {
      const rows = await runPanel(outcomes, request(outcomes, HOUR, width, {}));
      assert.equal(
        sum(rows, 'derived_match_1h'),
        expected((o) => o.match),
        'matches of both replicas',
      );
      assert.equal(sum(rows, 'derived_mismatch_1h'), 1);
      assert.equal(sum(rows, 'derived_unverified_1h'), 1);
      const mismatching = await runPanel(fields, request(fields, HOUR, width, {}));
      assert.equal(sum(mismatching, 'volume_1h'), 1);
      assert.equal(sum(mismatching, 'close_1h'), 1);
    }
    // At 10 s windows: the mismatch and its fields in the window of report 150.
    const windowOf = (row: Row) => (timeOf(row) - HOUR.from.getTime()) / PIPELINE_REPORT_MS - 1;
    const rows = await runPanel(outcomes, request(outcomes, HOUR, 1000, {}));
    assert.deepEqual(rows.filter((row) => Number(row['derived_mismatch_1h']) > 0).map(windowOf), [
      MISMATCH_REPORT,
    ]);
    const report = rows.find((row) => windowOf(row) === MISMATCH_REPORT)!;
    assert.equal(
      report['derived_match_1h'],
      DERIVED['consumer-15m-a'](MISMATCH_REPORT).match + DERIVED['consumer-15m-b'](MISMATCH_REPORT).match,
      'both replicas',
    );
    const mismatching = await runPanel(fields, request(fields, HOUR, 1000, {}));
    assert.deepEqual(
      mismatching.map((row) => [windowOf(row), row['volume_1h'], row['close_1h']]),
      [[MISMATCH_REPORT, 1, 1]],
    );
  });

  it('shows the latency percentiles per interval', async () => {
    const panel = panelNamed(pipeline, 'End-to-end latency');
    const r = request(panel, HOUR, 1000, {});
    assert.equal(requestIntervalMs(r), PIPELINE_REPORT_MS, 'one report of each worker per window');
    const rows = await runPanel(panel, r);
    let checked = 0;
    for (const row of rows) {
      // The report of window [t, t + 10 s) is the i-th: its p50 is 300 + i, its p99 900 + i.
      const i = (timeOf(row) - HOUR.from.getTime()) / PIPELINE_REPORT_MS - 1;
      for (const interval of ['15m', '1h'])
        if (row[`latency_p99_ms_${interval}`] !== null && row[`latency_p99_ms_${interval}`] !== undefined) {
          assert.equal(row[`latency_p99_ms_${interval}`], 900 + i);
          assert.equal(row[`latency_p50_ms_${interval}`], 300 + i);
          checked++;
        }
    }
    assert.ok(checked > reportTimes.length, `${checked} windows with latencies`);
  });
});
