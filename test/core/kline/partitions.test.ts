import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  assignPartitions,
  formatSymbolPartitions,
  parseSymbolPartitions,
  publishingPartitions,
} from '../../../src/core/kline/partitions.ts';

const MAJORS = ['BTCUSDC', 'ETHUSDC', 'XRPUSDC', 'SOLUSDC'];

describe('assignPartitions', () => {
  it('gives each of usdc-majors’ four symbols its own partition of four, in the order listed', () => {
    assert.deepEqual(assignPartitions({}, MAJORS, 4), { BTCUSDC: 0, ETHUSDC: 1, XRPUSDC: 2, SOLUSDC: 3 });
  });

  it('spreads more symbols than partitions evenly', () => {
    const a = assignPartitions({}, [...MAJORS, 'BNBUSDC', 'ADAUSDC'], 4);
    assert.deepEqual(Object.values(a), [0, 1, 2, 3, 0, 1]);
  });

  it('keeps every assigned symbol where it is when symbols are added and the topic grows', () => {
    const before = assignPartitions({}, ['BTCUSDC', 'ETHUSDC'], 2);
    const after = assignPartitions(before, ['XRPUSDC', 'ETHUSDC', 'SOLUSDC', 'BTCUSDC'], 4);
    assert.deepEqual(after, { BTCUSDC: 0, ETHUSDC: 1, XRPUSDC: 2, SOLUSDC: 3 });
  });

  it('keeps a removed symbol’s partition, so listing it again puts it back there', () => {
    const removed = assignPartitions({ BTCUSDC: 0, ETHUSDC: 1, XRPUSDC: 2 }, ['BTCUSDC', 'XRPUSDC'], 3);
    assert.deepEqual(removed, { BTCUSDC: 0, ETHUSDC: 1, XRPUSDC: 2 });
    assert.equal(assignPartitions(removed, ['BTCUSDC', 'XRPUSDC', 'ETHUSDC'], 3)['ETHUSDC'], 1);
  });

  it('puts a new symbol on a partition no listed symbol uses, one never used before if there is one', () => {
    const a = assignPartitions({ BTCUSDC: 0, ETHUSDC: 1 }, ['BTCUSDC', 'SOLUSDC'], 3);
    assert.equal(a['SOLUSDC'], 2);
    const full = assignPartitions({ BTCUSDC: 0, ETHUSDC: 1, XRPUSDC: 2 }, ['BTCUSDC', 'SOLUSDC'], 3);
    assert.equal(full['SOLUSDC'], 1, 'ETHUSDC is not listed: its partition carries no listed symbol');
  });

  it('drops assignments to partitions the topic does not have', () => {
    assert.deepEqual(assignPartitions({ BTCUSDC: 7, ETHUSDC: -1 }, ['BTCUSDC'], 2), { BTCUSDC: 0 });
  });

  // Any history of symbol lists over a topic whose partition count only grows.
  const symbol = fc.constantFrom(...MAJORS, 'BNBUSDC', 'ADAUSDC', 'DOGEUSDC', 'TRXUSDC', 'LINKUSDC');
  const step = fc.record({
    symbols: fc.uniqueArray(symbol, { minLength: 1, maxLength: 9 }),
    grow: fc.nat({ max: 3 }),
  });

  it('never moves a symbol, and leaves no listed partition count more than one apart from a fresh start', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(step, { maxLength: 8 }), (first, steps) => {
        let partitions = first;
        let current = {};
        for (const s of steps) {
          partitions += s.grow;
          const next = assignPartitions(current, s.symbols, partitions);
          for (const [sym, p] of Object.entries(current)) assert.equal(next[sym as keyof typeof next], p);
          for (const sym of s.symbols) assert.ok((next[sym] ?? -1) >= 0 && next[sym]! < partitions);
          current = next;
        }
      }),
    );
  });

  it('from a fresh start, gives every symbol its own partition while there are enough, else balances', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(symbol, { minLength: 1, maxLength: 9 }),
        fc.integer({ min: 1, max: 12 }),
        (symbols, partitions) => {
          const load = Array.from({ length: partitions }, () => 0);
          for (const p of Object.values(assignPartitions({}, symbols, partitions))) load[p]! += 1;
          assert.ok(Math.max(...load) - Math.min(...load) <= 1);
          if (symbols.length <= partitions)
            assert.ok(load.every((n, p) => n === (p < symbols.length ? 1 : 0)));
        },
      ),
    );
  });
});

describe('the producers’ setting', () => {
  it('round-trips the listed symbols', () => {
    const a = { BTCUSDC: 0, ETHUSDC: 3, XRPUSDC: 1 };
    const text = formatSymbolPartitions(a, ['ETHUSDC', 'BTCUSDC']);
    assert.equal(text, 'ETHUSDC:3,BTCUSDC:0');
    assert.deepEqual(parseSymbolPartitions(text), { ok: true, value: { ETHUSDC: 3, BTCUSDC: 0 } });
  });

  it('names the entry it cannot read', () => {
    assert.deepEqual(parseSymbolPartitions('BTCUSDC:0,ETHUSDC'), {
      ok: false,
      error: 'not SYMBOL:partition: "ETHUSDC"',
    });
    assert.deepEqual(parseSymbolPartitions('btcusdc:0'), {
      ok: false,
      error: 'not SYMBOL:partition: "btcusdc:0"',
    });
    assert.deepEqual(parseSymbolPartitions('BTCUSDC:0,BTCUSDC:1'), {
      ok: false,
      error: 'BTCUSDC is assigned a partition twice',
    });
  });
});

describe('publishingPartitions', () => {
  it('assigns in the order listed when the producer has no assignment', () => {
    assert.deepEqual(publishingPartitions(['ETHUSDC', 'BTCUSDC'], undefined, 3), {
      ok: true,
      value: { ETHUSDC: 0, BTCUSDC: 1 },
    });
  });

  it('refuses a symbol without a partition, or on one the topic lacks', () => {
    assert.deepEqual(publishingPartitions(['BTCUSDC', 'ETHUSDC'], { BTCUSDC: 0 }, 4), {
      ok: false,
      error: 'no partition assigned to ETHUSDC',
    });
    assert.deepEqual(publishingPartitions(['BTCUSDC'], { BTCUSDC: 4 }, 4), {
      ok: false,
      error: 'BTCUSDC is assigned partition 4, but the topic has 4 partitions (0–3)',
    });
  });
});
