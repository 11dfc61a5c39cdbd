/**
 * Every query of the provisioned dashboards after an end-to-end run on the real services: the producer
 * (REST from the Binance test server, with one bad row) and the 1h and 15m consumers (the 15m one deriving
 * 1h and comparing with the exchange's, one stored exchange candle altered, and a price alert) fill the
 * buckets and write their `pipeline` points; then every panel, annotation and variable query, filled in as
 * Grafana fills it in (grafanaFlux.ts), must answer rows. A panel whose query fails or returns nothing is a
 * failing test.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InfluxDB } from '@influxdata/influxdb-client';
import { alertRules } from '../../../src/core/alerts/index.ts';
import { defaultIndicatorConfig } from '../../../src/core/indicators/index.ts';
import { dashboards, type DashboardJson } from '../../../src/core/operator/grafana/dashboards.ts';
import { VAR } from '../../../src/core/operator/grafana/dashboards/queries.ts';
import { startConsumer } from '../../../src/shell/consumer/consumer.ts';
import { writeLines } from '../../../src/shell/influx/influx.ts';
import { runProducer } from '../../../src/shell/producer/producer.ts';
import type { Corruption } from '../../support/binanceServer.ts';
import { aCryptoStream } from '../../core/operator/aCryptoStream.ts';
import {
  binanceAndRun,
  consumerConfig,
  countStored,
  expectedCandles,
  producerConfig,
  quietLog,
  RANGES,
  waitFor,
} from '../pipeline/harness.ts';
import { grafanaFlux, type GrafanaRequest } from './grafanaFlux.ts';

const WEEK = RANGES['15m'];
const SYMBOLS = ['BTCUSDC', 'ETHUSDC'] as const;
const corrupt: Corruption[] = [
  { symbol: 'BTCUSDC', interval: '15m', openTime: WEEK.from + 50 * 900_000, kind: 'non-numeric-price' },
];

type Row = Record<string, unknown>;
type Panel = DashboardJson['panels'][number];

describe('the dashboards after an end-to-end run (real Kafka and InfluxDB)', () => {
  const fixture = binanceAndRun({ corrupt });

  it('answers every panel, annotation and variable query of both dashboards', async () => {
    const { binance, run } = fixture;
    const influx = run.endpoints.influx;
    const target = { target: influx, bucketRaw: run.raw };
    const range = { from: WEEK.from, to: WEEK.to };
    // The producer at both intervals, with its health points.
    await runProducer(
      {
        ...producerConfig(run, binance, '15m', SYMBOLS),
        intervals: ['15m', '1h'],
        ...range,
        influx: target,
        reportEveryMs: 500,
      },
      quietLog(),
      new AbortController().signal,
    );
    const hourly = await startConsumer({ ...consumerConfig(run, '1h'), reportEveryMs: 500 }, quietLog());
    try {
      await waitFor('1h stored', async () => (await countStored(run, '1h', 'raw')) >= 2 * 168);
    } finally {
      await hourly.stop();
    }
    // One exchange 1h candle altered in storage, so the derived one differs from it (volume + 1).
    const tampered = expectedCandles(binance, 'ETHUSDC', '1h').find(
      (c) => c.openTime === Date.UTC(2024, 8, 18, 12),
    )!;
    const volume = (Number(tampered.volume) + 1).toFixed(8);
    await writeLines(influx, run.raw, [
      `kline,coin=ETHUSDC,interval=1h,type=raw open=${tampered.open},high=${tampered.high},low=${tampered.low},close=${tampered.close},volume=${volume},trades=${tampered.trades}i ${tampered.openTime}`,
    ]);
    const closes = expectedCandles(binance, 'BTCUSDC', '15m').map((c) => Number(c.close));
    const rules = alertRules({
      alerts: [
        {
          name: 'btc-high',
          symbol: 'BTCUSDC',
          field: 'close',
          above: Math.max(...closes) - 1,
          interval: '15m',
        },
      ],
      intervals: ['15m'],
      indicators: defaultIndicatorConfig,
    });
    assert.ok(rules.ok);
    const quarter = await startConsumer(
      { ...consumerConfig(run, '15m'), derive: ['1h'], alerts: rules.value, reportEveryMs: 500 },
      quietLog(),
    );
    try {
      // Every hour but the one of BTC's bad row (dead-lettered: that hour cannot be derived).
      await waitFor('every derived candle compared', async () => {
        const o = quarter.derivation!.outcomes();
        return o.match + o.mismatch + o.unverified >= 2 * 168 - 1;
      });
      assert.equal(quarter.derivation!.outcomes().mismatch, 1, 'the altered exchange candle');
    } finally {
      await quarter.stop();
    }

    const [market, pipeline] = dashboards(aCryptoStream({})) as [DashboardJson, DashboardJson];
    const variables = {
      [VAR.bucketRaw]: run.raw,
      [VAR.bucketEnriched]: run.enriched,
      [VAR.symbol]: 'BTCUSDC',
      [VAR.interval]: '15m',
    };
    const datasource = { defaultBucket: run.enriched, organization: influx.org };
    const query = (flux: string): Promise<Row[]> =>
      new InfluxDB({ url: influx.url, token: influx.token }).getQueryApi(influx.org).collectRows<Row>(flux);
    const answer = async (what: string, text: string, request: GrafanaRequest) => {
      const flux = grafanaFlux(text, request);
      const rows = await query(flux).catch((e: unknown) => {
        throw new Error(`${what}: ${String(e)}\n${flux}`);
      });
      assert.ok(rows.length > 0, `${what} returns rows:\n${flux}`);
    };
    const request = (panel: Panel | undefined, from: Date, to: Date): GrafanaRequest => ({
      from,
      to,
      maxDataPoints: 1000,
      variables,
      minInterval: panel?.interval,
      datasource,
    });
    const week = [new Date(WEEK.from), new Date(WEEK.to)] as const;
    // The health points carry the time of their report: the last hour.
    const lastHour = [new Date(Date.now() - 3_600_000), new Date(Date.now() + 60_000)] as const;

    for (const v of market.templating.list ?? [])
      if (v.type === 'query') {
        const q = typeof v.query === 'string' ? v.query : (v.query as { query: string }).query;
        await answer(`variable ${v.name}`, q, request(undefined, ...week));
      }
    for (const panel of market.panels)
      for (const t of panel.targets) await answer(`market: ${panel.title}`, t.query, request(panel, ...week));
    for (const a of market.annotations.list ?? []) {
      const q = (a.target as { query?: string } | undefined)?.query;
      if (q !== undefined) await answer(`annotation ${a.name}`, q, request(undefined, ...week));
    }
    for (const panel of pipeline.panels)
      for (const t of panel.targets)
        await answer(`pipeline: ${panel.title}`, t.query, request(panel, ...lastHour));
  });
});
