import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  consumerMarketPoint,
  consumerPoint,
  deadLetterFieldPoints,
  derivationMismatchPoints,
  derivationPoint,
  faultField,
  percentile,
  PIPELINE_FIELDS,
  producerMarketPoint,
  producerPoint,
} from '../../../src/core/points/pipeline.ts';
import { toLineProtocol } from '../../../src/core/points/lineProtocol.ts';

const t = 1726488000000;

describe('the pipeline measurement', () => {
  it('holds what a producer did per market, and its exchanges with Binance', () => {
    assert.equal(
      toLineProtocol(
        producerMarketPoint(
          '15m',
          'demo-producer-7d9f-x2',
          'BTCUSDC',
          { fetched: 4, published: 3, deadLetters: 1 },
          t,
        ),
      ),
      `pipeline,instance=demo-producer-7d9f-x2,interval=15m,role=producer,symbol=BTCUSDC fetched=4i,published=3i,dead_letters=1i ${t}`,
    );
    assert.equal(
      toLineProtocol(producerPoint('p', { binanceWeight: 42, binance429: 1, binance418: 0 }, t)),
      `pipeline,instance=p,role=producer binance_weight=42i,binance_429=1i,binance_418=0i ${t}`,
      'one for all its intervals (Binance counts per IP)',
    );
    assert.equal(
      toLineProtocol(producerPoint('p', { binance429: 0, binance418: 0 }, t)),
      `pipeline,instance=p,role=producer binance_429=0i,binance_418=0i ${t}`,
      'no weight when Binance sent none',
    );
  });

  it('holds what a consumer stored per market, with latencies, and its lag and dead letters', () => {
    assert.equal(
      toLineProtocol(
        consumerMarketPoint(
          '1h',
          'c-0',
          'ETHUSDC',
          { stored: 2, latencyP50Ms: 812.5, latencyP99Ms: 1500 },
          t,
        ),
      ),
      `pipeline,instance=c-0,interval=1h,role=consumer,symbol=ETHUSDC stored=2i,latency_p50_ms=812.5,latency_p99_ms=1500 ${t}`,
    );
    assert.equal(
      toLineProtocol(consumerMarketPoint('1h', 'c-0', 'ETHUSDC', { stored: 0 }, t)),
      `pipeline,instance=c-0,interval=1h,role=consumer,symbol=ETHUSDC stored=0i ${t}`,
      'no latency when nothing was stored',
    );
    assert.equal(
      toLineProtocol(consumerPoint('1h', 'c-0', { lag: 17, deadLetters: 1 }, t)),
      `pipeline,instance=c-0,interval=1h,role=consumer lag=17i,dead_letters=1i ${t}`,
    );
  });

  it('holds the dead letters by the field at fault, one point per field that counted one', () => {
    assert.deepEqual(
      deadLetterFieldPoints('producer', '15m', 'p', 'BTCUSDC', { close: 2, low: 0, record: 1 }, t).map(
        toLineProtocol,
      ),
      [
        `pipeline,field=close,instance=p,interval=15m,role=producer,symbol=BTCUSDC dead_letters_by_field=2i ${t}`,
        `pipeline,field=record,instance=p,interval=15m,role=producer,symbol=BTCUSDC dead_letters_by_field=1i ${t}`,
      ],
      'per market for the producer; a field without dead letters has no point',
    );
    assert.deepEqual(
      deadLetterFieldPoints('consumer', '1h', 'c-0', undefined, { openTime: 3 }, t).map(toLineProtocol),
      [`pipeline,field=openTime,instance=c-0,interval=1h,role=consumer dead_letters_by_field=3i ${t}`],
      'per replica for a consumer',
    );
    assert.deepEqual(deadLetterFieldPoints('consumer', '1h', 'c-0', undefined, {}, t), []);
    assert.equal(faultField(undefined), 'record', 'a problem naming no field');
    assert.equal(faultField(''), 'record', "the metrics' empty label");
    assert.equal(faultField('openTime'), 'openTime');
  });

  it("holds a consumer's derived candles by outcome and their mismatching fields, per derived interval", () => {
    assert.equal(
      toLineProtocol(derivationPoint('1h', 'c-0', { match: 3, mismatch: 1, unverified: 0 }, t)),
      `pipeline,instance=c-0,interval=1h,role=consumer derived_match=3i,derived_mismatch=1i,derived_unverified=0i ${t}`,
    );
    assert.deepEqual(derivationMismatchPoints('1h', 'c-0', { volume: 1, close: 0 }, t).map(toLineProtocol), [
      `pipeline,field=volume,instance=c-0,interval=1h,role=consumer derivation_mismatches=1i ${t}`,
    ]);
  });

  it('names every field of its points in PIPELINE_FIELDS', () => {
    const known = new Set<string>(Object.values(PIPELINE_FIELDS));
    const points = [
      producerMarketPoint('1m', 'i', 'S', { fetched: 1, published: 1, deadLetters: 0 }, t),
      producerPoint('i', { binanceWeight: 1, binance429: 1, binance418: 1 }, t),
      consumerMarketPoint('1m', 'i', 'S', { stored: 1, latencyP50Ms: 1, latencyP99Ms: 1 }, t),
      consumerPoint('1m', 'i', { lag: 1, deadLetters: 1 }, t),
      ...deadLetterFieldPoints('consumer', '1m', 'i', undefined, { open: 1 }, t),
      derivationPoint('1h', 'i', { match: 1, mismatch: 1, unverified: 1 }, t),
      ...derivationMismatchPoints('1h', 'i', { open: 1 }, t),
    ];
    assert.deepEqual([...new Set(points.flatMap((p) => Object.keys(p.fields)))].sort(), [...known].sort());
  });

  it('takes nearest-rank percentiles of a period’s latencies', () => {
    assert.equal(percentile([], 50), undefined);
    assert.equal(percentile([7], 99), 7);
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    assert.equal(percentile(hundred, 50), 50);
    assert.equal(percentile(hundred, 99), 99);
    assert.equal(percentile(hundred, 100), 100);
    assert.equal(percentile([1, 2, 3, 4], 50), 2);
  });
});
