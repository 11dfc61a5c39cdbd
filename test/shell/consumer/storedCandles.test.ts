import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Stored } from '../../../src/core/pipeline/batch.ts';
import { storedCandles, storedList } from '../../../src/shell/consumer/storedCandles.ts';

const batch: Stored[] = [
  { symbol: 'BTCUSDC', openTime: 1_726_444_800_000, enriched: true },
  { symbol: 'BTCUSDC', openTime: 1_726_445_700_000, enriched: false },
  { symbol: 'ETHUSDC', openTime: 1_726_444_800_000, enriched: true },
  { symbol: 'BTCUSDC', openTime: 1_726_446_600_000, enriched: true },
];

describe("a batch's stored candles, compact", () => {
  it('keeps a run per symbol, in order, with each open time and whether it was enriched now', () => {
    const c = storedCandles(batch);
    assert.deepEqual(c.symbols, ['BTCUSDC', 'ETHUSDC', 'BTCUSDC']);
    assert.deepEqual([...c.ends], [2, 3, 4]);
    assert.deepEqual(
      [...c.openTimes],
      batch.map((s) => s.openTime),
    );
    assert.deepEqual([...c.enriched], [1, 0, 1, 1]);
    assert.deepEqual(storedList(c), batch);
  });

  it('leaves out the candles rejected, joining the runs around them', () => {
    const c = storedCandles(batch, (s) => s.symbol !== 'ETHUSDC');
    assert.deepEqual(c.symbols, ['BTCUSDC']);
    assert.deepEqual(storedList(c), [batch[0], batch[1], batch[3]]);
  });

  it('is empty for a batch that stored nothing', () => {
    const c = storedCandles([]);
    assert.deepEqual([c.symbols, [...c.ends], c.openTimes.length], [[], [], 0]);
    assert.deepEqual(storedList(c), []);
  });
});
