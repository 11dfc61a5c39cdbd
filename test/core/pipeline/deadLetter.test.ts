import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consumedDeadLetter, fetchedDeadLetter } from '../../../src/core/pipeline/deadLetter.ts';

describe('dead-letter records', () => {
  it('a refused Kafka record keeps its key and value and names the reason, field and where it was', () => {
    const record = consumedDeadLetter({
      message: { topic: 'prices-15m', partition: 2, offset: '41', key: 'BTCUSDC', value: 'not json' },
      problem: { reason: 'the message value is not valid JSON' },
    });
    assert.deepEqual(record, {
      key: 'BTCUSDC',
      value: 'not json',
      headers: {
        'error-reason': 'the message value is not valid JSON',
        'error-field': '',
        'original-topic': 'prices-15m',
        'original-partition': '2',
        'original-offset': '41',
      },
    });
  });

  it('a bad row from the exchange is keyed by symbol and names the reason, field, source, symbol, interval and open time', () => {
    const row = '[1726444800000,"59132.00000000","1.00000000","2.00000000"]';
    const record = fetchedDeadLetter(
      { openTime: 1_726_444_800_000, row, problem: { reason: 'low 2 is above high 1', field: 'low' } },
      { symbol: 'BTCUSDC', interval: '15m' },
      'data-api.binance.vision',
    );
    assert.deepEqual(record, {
      key: 'BTCUSDC',
      value: row,
      headers: {
        'error-reason': 'low 2 is above high 1',
        'error-field': 'low',
        source: 'data-api.binance.vision',
        symbol: 'BTCUSDC',
        interval: '15m',
        'open-time': '1726444800000',
      },
    });
  });
});
