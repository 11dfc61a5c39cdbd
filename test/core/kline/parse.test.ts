import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Interval } from '../../../src/core/kline/interval.ts';
import { describeRejection, parseKlines } from '../../../src/core/kline/parse.ts';
import { toRestRow } from '../../../src/core/kline/rest.ts';
import { dataPath, klineFiles } from '../../fixtures/binance.ts';
import { aCandle } from '../../fixtures/candles.ts';

const values = (text: string, interval?: Interval) =>
  parseKlines(text, interval).flatMap((r) => (r.ok ? [r.value] : []));
const rejections = (text: string, interval?: Interval) =>
  parseKlines(text, interval).flatMap((r) => (r.ok ? [] : [r.error]));

describe('parseKlines on the recorded Binance data', () => {
  for (const file of klineFiles()) {
    it(`reads every record of ${file}, in one-interval steps`, () => {
      const results = parseKlines(readFileSync(dataPath(file), 'utf8'));
      assert.ok(results.length > 0);
      assert.deepEqual(
        results.filter((r) => !r.ok),
        [],
      );
      const candles = values(readFileSync(dataPath(file), 'utf8')).map((k) => k.candle);
      const step = candles[0]!.closeTime - candles[0]!.openTime + 1;
      candles.slice(1).forEach((c, i) => assert.equal(c.openTime - candles[i]!.openTime, step));
    });
  }

  it('reads the BTCUSDT 1h CSV and REST files of 2024-08 to identical candles', () => {
    const csv = values(readFileSync(dataPath('BTCUSDT/1h/BTCUSDT-1h-2024-08.csv'), 'utf8'));
    const rest = values(readFileSync(dataPath('BTCUSDT/1h/BTCUSDT-1h-2024-08.json'), 'utf8'));
    assert.equal(csv.length, 744);
    assert.deepEqual(
      csv.map((k) => k.candle),
      rest.map((k) => k.candle),
    );
  });

  it('reads a raw, pretty-printed REST response body', () => {
    const text = readFileSync(
      dataPath('api-examples/rest-klines-BTCUSDT-1m-2021-10-22.nautilus.json'),
      'utf8',
    );
    const klines = values(text);
    assert.equal(klines.length, 10);
    assert.equal(klines[0]!.candle.openTime, Date.parse('2021-10-22T23:03:00Z'));
    assert.deepEqual(rejections(text), []);
  });

  it('reads every WebSocket example, raw and combined, with zero-trade candles and without B', () => {
    const text = readFileSync(dataPath('api-examples/ws-kline-1s-examples.jsonl'), 'utf8');
    const klines = values(text);
    assert.deepEqual(rejections(text), []);
    assert.equal(klines.length, text.trim().split('\n').length);
    assert.ok(klines.every((k) => k.interval === '1s' && k.symbol !== undefined && k.final !== undefined));
    const zeroTrade = klines.filter((k) => k.candle.trades === 0);
    assert.ok(zeroTrade.length >= 1);
    assert.equal(zeroTrade[0]!.candle.volume, '0.00000000');
  });
});

describe('parseKlines on each shape', () => {
  const row = toRestRow(aCandle());

  it('reads a whole REST array and one REST array per line alike', () => {
    const whole = JSON.stringify([row, row]);
    const perLine = `${JSON.stringify(row)}\n${JSON.stringify(row)}\n`;
    assert.deepEqual(
      values(whole).map((k) => k.candle),
      values(perLine).map((k) => k.candle),
    );
    assert.equal(values(whole).length, 2);
  });

  it('normalises data.binance.vision microsecond rows to milliseconds', () => {
    const micro =
      '1735689600000000,93576.00000000,93610.93000000,93537.50000000,93610.93000000,8.21827000,1735689659999999,768978.75522470,2631,3.95157000,369757.32652890,0';
    const [k] = values(micro);
    assert.equal(k!.candle.openTime, 1735689600000);
    assert.equal(k!.candle.closeTime, 1735689659999);
    assert.equal(k!.candle.open, '93576.00000000');
  });

  it('keeps decimals exact and canonical (8 places)', () => {
    const [k] = values(JSON.stringify([[...row.slice(0, 1), '0.1', '0.3', '0.1', '0.2', ...row.slice(5)]]));
    assert.equal(k!.candle.high, '0.30000000');
    assert.equal(k!.candle.close, '0.20000000');
  });
});

describe('parseKlines on invalid records', () => {
  it('names the position, field and reason, and still yields the valid records', () => {
    const good = JSON.stringify(toRestRow(aCandle()));
    const badClose = JSON.stringify(toRestRow(aCandle({ close: '1e5' })));
    const text = [good, badClose, '{"e":"trade"}', 'hello', good].join('\n');
    const results = parseKlines(text);
    assert.equal(results.length, 5);
    assert.equal(results.filter((r) => r.ok).length, 2);
    const [close, trade, hello] = rejections(text);
    assert.deepEqual(close!.position, { record: 2, line: 2 });
    assert.equal(close!.field, 'close');
    assert.match(describeRejection(close!), /^record 2 \(line 2\): close: not a non-negative decimal/);
    assert.equal(trade!.field, 'e');
    assert.match(hello!.reason, /not a kline record/);
  });

  it('rejects a candle whose high is below its close', () => {
    const [r] = rejections(JSON.stringify([toRestRow(aCandle({ close: '70000.00000000' }))]));
    assert.equal(r!.field, 'close');
    assert.match(r!.reason, /above high/);
  });

  it('rejects a close time that spans no interval', () => {
    const [r] = rejections(JSON.stringify([toRestRow(aCandle({ closeTime: 1726876859998 }))]));
    assert.equal(r!.field, 'closeTime');
  });

  it('salvages the valid lines of a broken multi-line document', () => {
    const good = JSON.stringify(toRestRow(aCandle()));
    const text = `[\n${good},\n[1726876920000, "63000.0",\n${good}\n]`;
    const results = parseKlines(text);
    assert.equal(results.filter((r) => r.ok).length, 2);
    assert.equal(results.filter((r) => !r.ok).length, 1);
  });
});

describe('parseKlines on records of the wrong shape or timing', () => {
  const HOUR = 3_600_000;
  const hourly = (i: number) =>
    aCandle({ openTime: 1726876800000 + i * HOUR, closeTime: 1726876800000 + (i + 1) * HOUR - 1 });
  const rows = [0, 1, 2].map((i) => toRestRow(hourly(i)));
  const lines = (rs: readonly unknown[]) => rs.map((r) => JSON.stringify(r)).join('\n');
  const accepted = (text: string) => values(text).map((k) => k.candle.openTime);

  it('rejects a REST row of 11 or 13 elements and a CSV line of 11 or 13 columns, naming the count', () => {
    const short = rows[1]!.slice(0, 11);
    const long = [...rows[1]!, '0'];
    for (const text of [
      lines([rows[0], short, rows[2]]),
      JSON.stringify([rows[0], long, rows[2]]),
      [rows[0], short, rows[2]].map((r) => r!.join(',')).join('\n'),
      [rows[0]!.join(','), `${rows[1]!.join(',')},`, rows[2]!.join(',')].join('\n'),
    ]) {
      const [r, ...more] = rejections(text);
      assert.deepEqual(more, []);
      assert.equal(r!.position.record, 2);
      assert.match(r!.reason, /has 12 (elements|columns), this one has 1[13]/);
      assert.deepEqual(accepted(text), [rows[0]![0], rows[2]![0]]);
    }
  });

  it('keeps the real row when a malformed one of the same open time comes before or after it', () => {
    const short = rows[1]!.slice(0, 11);
    const wrongClose = [...rows[1]!.slice(0, 6), rows[1]![0] + 60_000 - 1, ...rows[1]!.slice(7)];
    for (const bad of [short, wrongClose])
      for (const order of [
        [rows[0], bad, rows[1], rows[2]],
        [rows[0], rows[1], bad, rows[2]],
        [bad, rows[0], rows[1], rows[2]],
      ]) {
        assert.deepEqual(
          accepted(lines(order)),
          rows.map((r) => r[0]),
          JSON.stringify(order),
        );
        assert.equal(rejections(lines(order)).length, 1);
      }
  });

  it('rejects a 1h candle opening at 00:01 and a close time of another interval, naming the field', () => {
    const late = toRestRow(aCandle({ openTime: rows[1]![0] + 60_000, closeTime: rows[1]![6] + 60_000 }));
    const [misaligned] = rejections(lines([rows[0], late, rows[2]]));
    assert.equal(misaligned!.field, 'openTime');
    assert.match(misaligned!.reason, /not the start of a 1h/);
    const minute = toRestRow(aCandle({ openTime: rows[1]![0], closeTime: rows[1]![0] + 60_000 - 1 }));
    const [wrongClose] = rejections(lines([minute, ...rows]));
    assert.equal(wrongClose!.field, 'closeTime');
    assert.deepEqual(wrongClose!.position, { record: 1, line: 1 });
  });

  it('checks every record against the interval it is given, and WebSocket payloads against k.i', () => {
    assert.equal(rejections(lines(rows)).length, 0);
    assert.equal(rejections(lines(rows), '1m').length, 3);
    assert.deepEqual(
      accepted(lines(rows)),
      rows.map((r) => r[0]),
    );
    const [recorded] = readFileSync(dataPath('api-examples/ws-kline-1s-examples.jsonl'), 'utf8').split('\n');
    const payload = (i: string) => recorded!.replace('"i":"1s"', `"i":"${i}"`);
    assert.equal(values(payload('1s')).length, 1);
    const [r] = rejections(payload('1m'));
    assert.deepEqual([r!.field, r!.reason], ['closeTime', 'candle spans 1000 ms, not one 1m']);
  });

  it('rejects a microsecond open time that is not a whole millisecond', () => {
    const micro = (open: string) =>
      `${open},93576.00000000,93610.93000000,93537.50000000,93610.93000000,8.21827000,1735689659999999,768978.75522470,2631,3.95157000,369757.32652890,0`;
    assert.equal(values(micro('1735689600000000')).length, 1);
    const [r] = rejections(micro('1735689600000500'));
    assert.equal(r!.field, 'openTime');
  });
});
