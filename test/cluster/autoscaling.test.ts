/**
 * The consumers' HorizontalPodAutoscaler on real CPU metrics (metrics-server): candles published at a steady
 * rate into a stream's 1m topic load its consumers, the HPA scales them up, and back down once the load stops;
 * while scaled up, every replica in the consumer group reads a partition that carries a symbol; every candle
 * is stored exactly once and enriched exactly as an uninterrupted run of the core, across the rebalances.
 *
 * The candles come from the test, not from Binance: a steady load for a minute or two needs more candles than
 * the recorded data holds, so the recorded 15m week of each market is re-timed into a longer 1m series (from 2030 on,
 * after anything a producer fetches). The stream's producer runs but publishes nothing for those times.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AssignerProtocol, logLevel } from 'kafkajs';
import { bareKafka } from '../support/kafka.ts';
import type { MarketCandle } from '../../src/core/kline/candle.ts';
import { encodeCandle } from '../../src/core/kline/message.ts';
import { fifteenMinuteWeek } from '../fixtures/binance.ts';
import { asRow, expectedPoints, storedPoints, SYMBOLS } from '../shell/pipeline/harness.ts';
import { startBinanceServer } from '../support/binanceServer.ts';
import type { BinanceServer } from '../support/binanceServer.ts';
import { nodeCluster, tools, until } from '../support/cluster.ts';
import {
  childNames,
  installOperator,
  removeOperator,
  restrictedNamespace,
  streamInflux,
  streamManifest,
  uniqueName,
  waitReady,
} from './stream.ts';

const c = nodeCluster();
const { apply, getJson } = tools(c);

const FROM = Date.UTC(2030, 0, 1);
const MINUTE = 60_000;
/** Candles per second published while loading, and for how long: about 36,000 candles in all. */
const RATE = 400;
const LOAD_SECONDS = 90;

/** The recorded 15m week of a market, re-timed into `count` consecutive 1m candles from FROM (repeated). */
const series = (symbol: string, count: number): MarketCandle[] => {
  const week = fifteenMinuteWeek(symbol);
  return Array.from({ length: count }, (_, i) => {
    const k = week[i % week.length]!;
    const openTime = FROM + i * MINUTE;
    return { ...k, symbol, interval: '1m', openTime, closeTime: openTime + MINUTE - 1 };
  });
};

type Hpa = {
  spec: { maxReplicas: number };
  status: { currentReplicas?: number; desiredReplicas?: number; currentMetrics?: unknown[] };
};
type Env = { name: string; value?: string }[];

describe('consumer autoscaling on the one-node cluster', () => {
  const operatorNs = uniqueName('cs-hpa-operator');
  const ns = uniqueName('cs-hpa');
  const name = uniqueName('load');
  const release = uniqueName('cryptostream');
  const consumer = childNames(ns, name).consumer('1m');
  const perSymbol = (RATE * LOAD_SECONDS) / SYMBOLS.length;
  const candles = new Map(SYMBOLS.map((s) => [s, series(s, perSymbol)]));
  let binance: BinanceServer;
  const replicasSeen: number[] = [];

  before(async () => {
    binance = await startBinanceServer({ host: c.hostAddress });
    await restrictedNamespace(c, operatorNs);
    await restrictedNamespace(c, ns);
    await installOperator(c, release, operatorNs, ns);
    await apply([
      streamManifest(c, binance, ns, name, {
        intervals: ['1m'],
        binance: { baseUrl: binance.url, backfillFrom: new Date(FROM).toISOString() },
        // The default request (100m): idle, a consumer uses 8-12m (heartbeats, fetches; 30m before kafkajs's
        // request queue was mended, src/shell/kafka/requestQueue.ts), under this load several times that; a 40 %
        // target lies between, high enough that 2 idle replicas (under 20m each) scale to 1.
        consumer: { autoscaling: { minReplicas: 1, maxReplicas: 4, targetCPUUtilizationPercentage: 40 } },
      }),
    ]);
    await waitReady(c, ns, name);
  });

  after(async () => {
    await binance?.close();
    await removeOperator(c, release, operatorNs, [ns]);
  });

  it('scales the consumers up under load and down after it, and stores every candle exactly', async () => {
    const hpa = () => getJson<Hpa>('hpa', '-n', ns, consumer);
    await until(
      async () => ((await hpa()).status.currentMetrics?.length ?? 0) > 0,
      'the HPA reads CPU metrics',
    );
    const envOf = async (deployment: string): Promise<Env> =>
      (
        await getJson<{ spec: { template: { spec: { containers: { env: Env }[] } } } }>(
          'deployment',
          '-n',
          ns,
          deployment,
        )
      ).spec.template.spec.containers[0]!.env;
    const consumerEnv = await envOf(consumer);
    const prefix = consumerEnv.find((e) => e.name === 'CRYPTOSTREAM_TOPIC_PREFIX')?.value;
    const group = consumerEnv.find((e) => e.name === 'CRYPTOSTREAM_CONSUMER_GROUP')?.value;
    assert.ok(prefix !== undefined && group !== undefined, 'the consumer names its topic prefix and group');
    // The test publishes as the stream's producer does: each symbol on the partition the stream assigned it.
    const { status } = await getJson<{ status: { symbolPartitions: Record<string, number> } }>(
      'cryptostream',
      '-n',
      ns,
      name,
    );
    const partitionOf = status.symbolPartitions;
    assert.deepEqual(
      new Set(SYMBOLS.map((s) => partitionOf[s])),
      new Set([0, 1, 2, 3]),
      `every symbol has a partition of its own: ${JSON.stringify(partitionOf)}`,
    );
    assert.equal((await hpa()).spec.maxReplicas, 4, 'the HPA may scale up to one replica per symbol');
    const producerEnv = await envOf(childNames(ns, name).producer);
    assert.equal(
      producerEnv.find((e) => e.name === 'CRYPTOSTREAM_SYMBOL_PARTITIONS')?.value,
      SYMBOLS.map((s) => `${s}:${partitionOf[s]}`).join(','),
      "the producer publishes by the stream's assignment",
    );

    const kafka = bareKafka({
      clientId: 'autoscaling-test',
      brokers: [c.kafkaBootstrap],
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer();
    await producer.connect();
    const admin = kafka.admin();
    await admin.connect();
    // For each look at the stable group: how many members it has, and how many read a symbol's partition.
    const loaded = new Set(Object.values(partitionOf));
    const groupsSeen: { members: number; working: number }[] = [];
    const lookAtGroup = async () => {
      const described = (await admin.describeGroups([group])).groups[0];
      if (described?.state !== 'Stable') return;
      const working = described.members.filter((m) =>
        Object.values(AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {}).some(
          (partitions) => partitions.some((p) => loaded.has(p)),
        ),
      ).length;
      groupsSeen.push({ members: described.members.length, working });
    };
    const watch = setInterval(() => {
      void hpa().then(
        (h) => replicasSeen.push(h.status.currentReplicas ?? 0),
        () => undefined,
      );
      void lookAtGroup().catch(() => undefined);
    }, 5_000);
    try {
      // RATE candles a second, one batch every 250 ms, in time order per symbol.
      const perTick = RATE / 4 / SYMBOLS.length;
      for (let tick = 0; tick < LOAD_SECONDS * 4; tick++) {
        const started = Date.now();
        await producer.send({
          topic: `${prefix}1m`,
          messages: SYMBOLS.flatMap((s) =>
            candles
              .get(s)!
              .slice(tick * perTick, (tick + 1) * perTick)
              .map((k) => {
                const m = encodeCandle(k, 'autoscaling-test');
                return { key: m.key, value: m.value, headers: { ...m.headers }, partition: partitionOf[s]! };
              }),
          ),
        });
        await sleep(Math.max(0, 250 - (Date.now() - started)));
      }
    } finally {
      await producer.disconnect();
    }
    try {
      const scaledUp = Math.max(...replicasSeen, (await hpa()).status.currentReplicas ?? 0);
      assert.ok(
        scaledUp > 1,
        `the HPA scaled the consumers up under load (replicas seen: ${replicasSeen.join(', ')})`,
      );
      const scaledGroups = groupsSeen.filter((g) => g.members > 1);
      assert.ok(
        scaledGroups.length > 0,
        `the consumer group had several members: ${JSON.stringify(groupsSeen)}`,
      );
      assert.ok(
        scaledGroups.every((g) => g.working === g.members),
        `every member of the scaled group read a symbol's partition: ${JSON.stringify(groupsSeen)}`,
      );

      await until(
        async () => ((await hpa()).status.currentReplicas === 1 ? true : undefined),
        'the HPA scaled the consumers back down to 1',
        600_000,
        5_000,
      );
    } finally {
      clearInterval(watch);
      await admin.disconnect();
    }

    const { run, forward } = await streamInflux(c, ns, name);
    try {
      for (const symbol of SYMBOLS) {
        const expected = expectedPoints(candles.get(symbol)!);
        await until(
          async () =>
            (await storedPoints(run, symbol, '1m', 'enriched')).length >= perSymbol ? true : undefined,
          `${perSymbol} enriched ${symbol} points are stored`,
          300_000,
          5_000,
        );
        assert.deepEqual(
          await storedPoints(run, symbol, '1m', 'raw'),
          expected.raw.map(asRow),
          `${symbol} raw`,
        );
        assert.deepEqual(
          await storedPoints(run, symbol, '1m', 'enriched'),
          expected.enriched.map(asRow),
          `${symbol} enriched`,
        );
      }
    } finally {
      await forward.stop();
    }
  });
});
