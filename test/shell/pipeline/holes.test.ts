import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startConsumer } from '../../../src/shell/consumer/consumer.ts';
import { fifteenMinuteWeek } from '../../fixtures/binance.ts';
import {
  asRow,
  capturingLog,
  consumerConfig,
  countStored,
  dropRun,
  expectedPoints,
  groupLag,
  newRun,
  publishCandles,
  storedPoints,
  waitFor,
  type Run,
} from './harness.ts';

const SYMBOLS = ['BTCUSDC', 'ETHUSDC'] as const;
const REWOUND =
  'candles missing behind the indicator state: enriched, and the points after them enriched again';

describe('a hole repaired behind the enriched series (real Kafka and InfluxDB)', () => {
  let run: Run;
  before(async () => {
    run = await newRun();
  });
  after(() => dropRun(run).catch(() => undefined));

  it('enriches the hole, rewrites every point and snapshot after it: then as if it had never been missing, across a restart', async () => {
    const weeks = SYMBOLS.map((s) => fifteenMinuteWeek(s));
    // Candles 300–339 of each symbol come late, as a producer's repair publishes them.
    const hole = weeks.flatMap((w) => w.slice(300, 340));
    await publishCandles(
      run,
      '15m',
      weeks.flatMap((w) => [...w.slice(0, 300), ...w.slice(340, 600)]),
    );
    const config = { ...consumerConfig(run, '15m'), snapshotEvery: 60 };
    const { log, records } = capturingLog('info');
    const first = await startConsumer(config, log);
    try {
      await waitFor(
        'the series without the hole enriched',
        async () => (await countStored(run, '15m', 'enriched')) === 2 * 560,
      );
      const beforeRepair = await storedPoints(run, 'BTCUSDC', '15m', 'enriched');
      const uninterrupted = expectedPoints(weeks[0]!.slice(0, 600)).enriched.map(asRow);
      assert.notDeepEqual(
        beforeRepair.find((p) => p.time === weeks[0]![340]!.openTime),
        uninterrupted[340],
        'the hole changed the values after it',
      );
      await publishCandles(run, '15m', hole);
      await waitFor('the hole enriched', async () => (await countStored(run, '15m', 'enriched')) === 2 * 600);
      await waitFor('the topic committed', async () => (await groupLag(run, '15m')) === 0);
    } finally {
      await first.stop();
    }
    const rewound = records.filter((r) => r['msg'] === REWOUND);
    assert.deepEqual(new Set(rewound.map((r) => r['symbol'])), new Set(SYMBOLS));
    assert.equal(
      rewound.reduce((n, r) => n + Number(r['filled']), 0),
      hole.length,
    );

    // A new consumer continues from the stored snapshots: they were rewritten too.
    const second = await startConsumer(config, log);
    try {
      await publishCandles(
        run,
        '15m',
        weeks.flatMap((w) => w.slice(600)),
      );
      await waitFor(
        'the rest of the week enriched',
        async () => (await countStored(run, '15m', 'enriched')) === 2 * 672,
      );
    } finally {
      await second.stop();
    }
    for (const [i, symbol] of SYMBOLS.entries()) {
      const expected = expectedPoints(weeks[i]!);
      assert.deepEqual(
        await storedPoints(run, symbol, '15m', 'raw'),
        expected.raw.map(asRow),
        `${symbol} raw`,
      );
      assert.deepEqual(
        await storedPoints(run, symbol, '15m', 'enriched'),
        expected.enriched.map(asRow),
        `${symbol} enriched`,
      );
    }
  });
});
