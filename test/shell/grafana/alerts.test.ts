/**
 * The provisioned alert rules' Flux (grafana/alerts.ts, grafana/pipelineAlerts.ts) run on the real InfluxDB
 * of `npm run services:up` against known points, and judged as Grafana judges them: each table of query A
 * is a series (an alert instance, labelled by its columns), reduced to its last value (B), compared by the
 * rule's threshold (C). The queries hold no Grafana macro (`grafanaFlux` leaves them as they are).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { MarketCandle } from '../../../src/core/kline/candle.ts';
import type { Interval } from '../../../src/core/kline/interval.ts';
import { alertRules } from '../../../src/core/operator/grafana/alerts.ts';
import { consumerPoint, producerMarketPoint, producerPoint } from '../../../src/core/points/pipeline.ts';
import { BUCKET_ENRICHED, BUCKET_RAW } from '../../../src/core/operator/names.ts';
import { toLineProtocol } from '../../../src/core/points/lineProtocol.ts';
import { enrichedPoint, rawPoint } from '../../../src/core/points/point.ts';
import { aCryptoStream } from '../../core/operator/aCryptoStream.ts';
import { query as run, testBuckets, writeLines, type Row } from './buckets.ts';
import { grafanaFlux } from './grafanaFlux.ts';

const { names: buckets, create: createBuckets } = testBuckets('alerts', [
  'raw',
  'enriched',
  'banned',
  'empty',
]);

const MINUTE = 60_000;
const now = Date.now();
/** An open time `ago` and a quarter minutes ago: far from the thresholds, whatever the query's now(). */
const minutesAgo = (ago: number) => now - ago * MINUTE - MINUTE / 4;

const candle = (symbol: string, interval: Interval, openTime: number, close: number): MarketCandle => ({
  symbol,
  interval,
  openTime,
  closeTime: openTime + MINUTE - 1,
  open: String(close),
  high: String(close),
  low: String(close),
  close: String(close),
  volume: '10',
  quoteVolume: '1000',
  trades: 5,
  takerBuyBase: '5',
  takerBuyQuote: '500',
});

const cr = aCryptoStream({
  symbols: ['BTCUSDC', 'ETHUSDC', 'SOLUSDC', 'XRPUSDC'],
  intervals: ['1m', '1h'],
  alerts: [
    { name: 'btc-up-4', symbol: 'BTCUSDC', field: 'change', window: 4, above: 5 },
    { name: 'btc-up-2', symbol: 'BTCUSDC', field: 'change', window: 2, above: 8 },
    { name: 'btc-down-4', symbol: 'BTCUSDC', field: 'change', window: 4, below: -1 },
    { name: 'btc-up-9', symbol: 'BTCUSDC', field: 'change', window: 9, above: 1 },
    { name: 'btc-high', symbol: 'BTCUSDC', field: 'close', above: 105 },
  ],
});
const rules = alertRules(cr).groups.flatMap((g) => g.rules);
const rule = (title: string) => {
  const r = rules.find((x) => x.title === `demo ${title}`);
  assert.ok(r, `a rule titled demo ${title}`);
  return r;
};

type Instance = { labels: Record<string, string>; value: number; firing: boolean };
const judge = (evaluator: { type: string; params: number[] }, v: number): boolean => {
  const [a, b] = evaluator.params as [number, number];
  if (evaluator.type === 'gt') return v > a;
  if (evaluator.type === 'lt') return v < a;
  return v < a || v > b;
};

/** Query A on the test buckets (as Grafana sends it), B: each series' last value, C: the threshold. */
const evaluate = async (title: string, raw = buckets.raw): Promise<Instance[]> => {
  const r = rule(title);
  const query = r.data[0]!.model.query!;
  const flux = grafanaFlux(query, {
    from: new Date(now - r.data[0]!.relativeTimeRange!.from * 1000),
    to: new Date(now),
    maxDataPoints: 43200,
    variables: {},
  })
    .replaceAll(`"${BUCKET_RAW}"`, `"${raw}"`)
    .replaceAll(`"${BUCKET_ENRICHED}"`, `"${buckets.enriched}"`);
  assert.equal(flux.replaceAll(raw, BUCKET_RAW).replaceAll(buckets.enriched, BUCKET_ENRICHED), query);
  assert.ok(!query.includes('$'), 'no $: Grafana expands environment variables in provisioning files');
  const tables = new Map<unknown, Row[]>();
  for (const row of await run(flux)) tables.set(row['table'], [...(tables.get(row['table']) ?? []), row]);
  const evaluator = r.data[2]!.model.conditions![0]!.evaluator;
  return [...tables.values()].map((rows) => {
    const last = rows.at(-1)!;
    const labels = Object.fromEntries(
      Object.entries(last)
        .filter(([k]) => !k.startsWith('_') && k !== 'result' && k !== 'table')
        .map(([k, v]) => [k, String(v)]),
    );
    const value = Number(last['_value']);
    return { labels, value, firing: judge(evaluator, value) };
  });
};

before(async () => {
  await createBuckets();
  const closes = [100, 99, 101, 102, 103, 110]; // oldest first; the newest closed a minute ago
  const btc = closes.map((c, i) => candle('BTCUSDC', '1m', minutesAgo(closes.length - i), c));
  await writeLines(buckets.raw, [
    ...btc.map((c) => toLineProtocol(rawPoint(c))),
    // ETH stopped 6 minutes ago, XRP 3 (just within 3 intervals), SOL has none in the hour.
    toLineProtocol(rawPoint(candle('ETHUSDC', '1m', minutesAgo(6), 3000))),
    toLineProtocol(rawPoint(candle('ETHUSDC', '1m', minutesAgo(7), 3000))),
    toLineProtocol(rawPoint(candle('XRPUSDC', '1m', minutesAgo(3), 1))),
    toLineProtocol(rawPoint(candle('SOLUSDC', '1m', minutesAgo(90), 150))),
    // The 1h series: BTC's current hour's previous candle, nothing else.
    toLineProtocol(
      rawPoint({ ...candle('BTCUSDC', '1h', Math.floor(now / 3_600_000) * 3_600_000 - 3_600_000, 1) }),
    ),
    // Dead letters: 1m none in the window (3 twenty minutes ago), 1h two (producer) + one (consumer).
    toLineProtocol(consumerPoint('1m', 'c-1m', { lag: 0, deadLetters: 0 }, now - MINUTE)),
    toLineProtocol(consumerPoint('1m', 'c-1m', { lag: 0, deadLetters: 3 }, now - 20 * MINUTE)),
    toLineProtocol(
      producerMarketPoint('1m', 'p', 'BTCUSDC', { fetched: 1, published: 1, deadLetters: 0 }, now - MINUTE),
    ),
    toLineProtocol(
      producerMarketPoint(
        '1h',
        'p',
        'BTCUSDC',
        { fetched: 1, published: 1, deadLetters: 2 },
        now - 2 * MINUTE,
      ),
    ),
    toLineProtocol(consumerPoint('1h', 'c-1h', { lag: 0, deadLetters: 1 }, now - 3 * MINUTE)),
    // Binance: rate limited (429) but never banned in the window; banned 25 minutes ago.
    toLineProtocol(producerPoint('p', { binanceWeight: 1100, binance429: 2, binance418: 0 }, now - MINUTE)),
    toLineProtocol(producerPoint('p', { binance429: 0, binance418: 1 }, now - 25 * MINUTE)),
  ]);
  await writeLines(buckets.banned, [
    toLineProtocol(producerPoint('p', { binance429: 0, binance418: 0 }, now - 4 * MINUTE)),
    toLineProtocol(producerPoint('p', { binance429: 0, binance418: 1 }, now - 2 * MINUTE)),
  ]);
  await writeLines(
    buckets.enriched,
    btc.map((c) => toLineProtocol(enrichedPoint(c, {}))),
  );
});

const bySymbol = (instances: Instance[]) => Object.fromEntries(instances.map((i) => [i.labels['symbol'], i]));

describe('the threshold rules on the real InfluxDB', () => {
  it('change: the newest close against the one window candles before it, in percent', async () => {
    const [up4] = await evaluate('btc-up-4'); // 110 against 99 four candles before: +11.1 %
    assert.ok(up4);
    assert.ok(Math.abs(up4.value - (100 * (110 - 99)) / 99) < 1e-9, String(up4.value));
    assert.equal(up4.firing, true);
    const [up2] = await evaluate('btc-up-2'); // 110 against 102: +7.84 %, below 8
    assert.ok(Math.abs(up2!.value - (100 * (110 - 102)) / 102) < 1e-9);
    assert.equal(up2!.firing, false);
    const [down4] = await evaluate('btc-down-4');
    assert.equal(down4!.firing, false);
  });

  it('change: no value (no data) while fewer than window + 1 candles are stored', async () => {
    assert.deepEqual(await evaluate('btc-up-9'), []);
  });

  it('close: the last stored close', async () => {
    const [high] = await evaluate('btc-high');
    assert.equal(high!.value, 110);
    assert.equal(high!.firing, true);
  });
});

describe('the pipeline rules on the real InfluxDB', () => {
  it('no candle stored for a symbol for more than 3 intervals: one instance per symbol of the stream', async () => {
    const s = bySymbol(await evaluate('no 1m candles'));
    assert.deepEqual(Object.keys(s).sort(), ['BTCUSDC', 'ETHUSDC', 'SOLUSDC', 'XRPUSDC']);
    assert.equal(s['BTCUSDC']!.firing, false, 'the newest closed just now');
    assert.ok(s['BTCUSDC']!.value > 0.25 && s['BTCUSDC']!.value < 0.5, String(s['BTCUSDC']!.value));
    assert.equal(s['XRPUSDC']!.firing, false, 'closed less than 3 intervals ago');
    assert.ok(s['XRPUSDC']!.value > 2.25 && s['XRPUSDC']!.value < 2.5, String(s['XRPUSDC']!.value));
    assert.equal(s['ETHUSDC']!.firing, true, 'closed 5 intervals ago');
    assert.ok(s['ETHUSDC']!.value > 5.25 && s['ETHUSDC']!.value < 5.5, String(s['ETHUSDC']!.value));
    assert.equal(s['SOLUSDC']!.firing, true, 'nothing within the lookback');
    assert.equal(s['SOLUSDC']!.value, 59);
  });

  it('stale per interval: the 1h rule reads the 1h candles only', async () => {
    const s = bySymbol(await evaluate('no 1h candles'));
    assert.equal(s['BTCUSDC']!.firing, false);
    for (const symbol of ['ETHUSDC', 'SOLUSDC', 'XRPUSDC']) assert.equal(s[symbol]!.firing, true, symbol);
  });

  it('every symbol stale when nothing at all is stored', async () => {
    const s = await evaluate('no 1m candles', buckets.empty);
    assert.equal(s.length, 4);
    assert.ok(s.every((i) => i.firing && i.value === 59));
  });

  it('dead letters: the sum over 15 minutes per interval', async () => {
    const byInterval = Object.fromEntries(
      (await evaluate('dead letters')).map((i) => [i.labels['interval'], [i.value, i.firing]]),
    );
    assert.deepEqual(byInterval, { '1m': [0, false], '1h': [3, true] });
    assert.deepEqual(await evaluate('dead letters', buckets.empty), [], 'no reports: no data (OK)');
  });

  it('Binance 418: fires on a ban in the last 15 minutes only', async () => {
    assert.deepEqual(
      (await evaluate('Binance ban')).map((i) => [i.value, i.firing]),
      [[0, false]],
    );
    assert.deepEqual(
      (await evaluate('Binance ban', buckets.banned)).map((i) => [i.value, i.firing]),
      [[1, true]],
    );
    assert.deepEqual(await evaluate('Binance ban', buckets.empty), []);
  });
});
