import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { columnsOf } from '../../../../src/core/operator/status/columns.ts';
import { nextStatus } from '../../../../src/core/operator/status/status.ts';
import { aCryptoStream } from '../aCryptoStream.ts';

describe('the Symbols and Intervals columns of kubectl get', () => {
  it('joins the symbols and intervals with commas, in the order of the spec', () => {
    assert.deepEqual(
      columnsOf(aCryptoStream({ symbols: ['BTCUSDC', 'ETHUSDC'], intervals: ['15m', '1h'] })),
      { symbols: 'BTCUSDC,ETHUSDC', intervals: '15m,1h' },
    );
  });

  it('names the first four symbols and counts the others, so a long list keeps the table readable', () => {
    const symbols = Array.from({ length: 64 }, (_, i) => `S${i}USDC`);
    assert.equal(columnsOf(aCryptoStream({ symbols })).symbols, 'S0USDC,S1USDC,S2USDC,S3USDC +60 more');
    assert.equal(
      columnsOf(aCryptoStream({ symbols: ['BTCUSDC', 'ETHUSDC', 'XRPUSDC', 'SOLUSDC'] })).symbols,
      'BTCUSDC,ETHUSDC,XRPUSDC,SOLUSDC',
    );
  });

  it('lists every interval (15 at most, 47 characters)', () => {
    const all = ['1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w'];
    assert.equal(columnsOf(aCryptoStream({ intervals: all })).intervals, all.join(','));
  });

  it('is written into the status the operator computes', () => {
    const status = nextStatus(aCryptoStream({ intervals: ['1m', '1h'] }), [], [], '2026-12-01T10:00:00Z');
    assert.equal(status.symbols, 'BTCUSDC,ETHUSDC');
    assert.equal(status.intervals, '1m,1h');
  });
});
