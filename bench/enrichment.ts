/**
 * Enrichment throughput: every indicator of the default configuration over the real 15m and 1h candles
 * of BTCUSDT, ETHUSDT, XRPUSDT and SOLUSDT (one state per symbol and interval), replayed many times;
 * ours against trading-signals and technicalindicators computing the same indicators on the same candles
 * with their streaming APIs. Not a test: `npm run bench`; figures go to docs/benchmarks.md.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import * as ti from 'technicalindicators';
import * as ts from 'trading-signals';
import { defaultIndicatorConfig, enricher } from '../src/core/indicators/index.ts';
import type { Candle } from '../src/core/kline/candle.ts';
import { fromRestRow } from '../src/core/kline/rest.ts';

const DATA = new URL('../../shared/data/binance/', import.meta.url).pathname;
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'XRPUSDT', 'SOLUSDT'];
const INTERVALS = ['15m', '1h'];
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 6);

const load = (symbol: string, interval: string): Candle[] => {
  const dir = join(DATA, symbol, interval);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown[])
    .map((row) => {
      const r = fromRestRow(row);
      if (!r.ok) throw new Error(`${symbol} ${interval}: ${JSON.stringify(r.error)}`);
      return r.value;
    });
};

const series = SYMBOLS.flatMap((s) => INTERVALS.map((i) => load(s, i)));
const perRound = series.reduce((n, s) => n + s.length, 0);

/** One engine: fresh per-series state, and a step that consumes one candle of series `k`. */
type Engine = { name: string; streaming: string; make: () => (k: number, c: Candle) => number };

const ours: Engine = {
  name: 'cryptostream',
  streaming: 'pure reducer step per candle',
  make: () => {
    const { init, step } = enricher(defaultIndicatorConfig);
    const states = series.map(() => init);
    return (k, c) => {
      const [next, out] = step(states[k]!, c);
      states[k] = next;
      return out['sma_7'] ?? 0;
    };
  },
};

const VOL = defaultIndicatorConfig.volatility;
const sampleFactor = Math.sqrt(VOL / (VOL - 1)); // population → sample standard deviation

type Bar = { high: number; low: number; close: number };

/**
 * A peer library's indicators for one series: `feed` gives a candle to each of its streaming
 * indicators, `volatility` a log return to its standard deviation (scaled to the sample one).
 */
type PeerSeries = { feed: (close: number, bar: Bar) => void; volatility: (r: number) => void };

const peer = (name: string, streaming: string, fresh: () => PeerSeries): Engine => ({
  name,
  streaming,
  make: () => {
    const states = series.map(() => ({ ...fresh(), previous: 0 }));
    return (k, c) => {
      const s = states[k]!;
      const close = Number(c.close);
      s.feed(close, { high: Number(c.high), low: Number(c.low), close });
      if (s.previous > 0) s.volatility(Math.log(close / s.previous));
      s.previous = close;
      return 0;
    };
  },
});

const tradingSignals = peer(
  'trading-signals 8.3.0',
  'add() on SMA, EMA, RSI, MACD(EMA), BollingerBands, ATR, ADX; BollingerBands(20, 1) on log returns',
  () => {
    const [sma7, sma21, ema12, rsi] = [new ts.SMA(7), new ts.SMA(21), new ts.EMA(12), new ts.RSI(14)];
    const macd = new ts.MACD(new ts.EMA(12), new ts.EMA(26), new ts.EMA(9));
    const [bb, atr, adx, vol] = [
      new ts.BollingerBands(20, 2),
      new ts.ATR(14),
      new ts.ADX(14),
      new ts.BollingerBands(VOL, 1),
    ];
    return {
      feed: (close, bar) => {
        sma7.add(close);
        sma21.add(close);
        ema12.add(close);
        rsi.add(close);
        macd.add(close);
        bb.add(close);
        atr.add(bar);
        adx.add(bar);
      },
      volatility: (r) => {
        const band = vol.add(r);
        if (band !== null) void ((band.upper - band.middle) * sampleFactor);
      },
    };
  },
);

const technicalIndicators = peer(
  'technicalindicators 3.1.0',
  'nextValue() on SMA, EMA, RSI, MACD, BollingerBands, ATR, ADX; SD on log returns',
  () => {
    const sma7 = new ti.SMA({ period: 7, values: [] });
    const sma21 = new ti.SMA({ period: 21, values: [] });
    const ema12 = new ti.EMA({ period: 12, values: [] });
    const rsi = new ti.RSI({ period: 14, values: [] });
    const macd = new ti.MACD({
      values: [],
      fastPeriod: 12,
      slowPeriod: 26,
      signalPeriod: 9,
      SimpleMAOscillator: false,
      SimpleMASignal: false,
    });
    const bb = new ti.BollingerBands({ period: 20, stdDev: 2, values: [] });
    const atr = new ti.ATR({ period: 14, high: [], low: [], close: [] });
    const adx = new ti.ADX({ period: 14, high: [], low: [], close: [] });
    // its declaration types the input as a number; the implementation reads high, low and close
    const adxNext = adx.nextValue.bind(adx) as unknown as (b: Bar) => unknown;
    const vol = new ti.SD({ period: VOL, values: [] });
    return {
      feed: (close, bar) => {
        sma7.nextValue(close);
        sma21.nextValue(close);
        ema12.nextValue(close);
        rsi.nextValue(close);
        macd.nextValue(close);
        bb.nextValue(close);
        atr.nextValue(bar);
        adxNext(bar);
      },
      volatility: (r) => {
        const sd = vol.nextValue(r);
        if (sd !== undefined) void (sd * sampleFactor);
      },
    };
  },
);

/** Candles consumed and the CPU and wall time they took. */
type Tally = { candles: number; cpu: number; wall: number };

/**
 * Replays all series round after round for about `seconds` of CPU time. CPU time (user + system of
 * this process) is what one core spent, whatever else the machine runs; wall time is shown beside it.
 */
const measure = (consume: (k: number, c: Candle) => number, seconds: number, into: Tally): void => {
  let sink = 0;
  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  let cpu = 0;
  let candles = 0;
  while (cpu < seconds * 1e6) {
    for (let k = 0; k < series.length; k++) {
      const s = series[k]!;
      for (let i = 0; i < s.length; i++) sink += consume(k, s[i]!);
    }
    candles += perRound;
    const used = process.cpuUsage(cpu0);
    cpu = used.user + used.system;
  }
  if (Number.isNaN(sink)) console.log('unexpected NaN');
  into.candles += candles;
  into.cpu += cpu / 1e6;
  into.wall += Number(process.hrtime.bigint() - wall0) / 1e9;
};

const engines = [ours, tradingSignals, technicalIndicators];
const SLICES = 6;
console.log(
  `cpu: ${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores); node ${process.version}; ` +
    `load average ${loadavg()[0]!.toFixed(1)} (other processes share the cores: compare CPU with wall)`,
);
console.log(
  `${series.length} series (${SYMBOLS.join(', ')} × ${INTERVALS.join(', ')}), ${perRound} candles per round, ` +
    `~${SECONDS}s CPU, engines interleaved in ${SLICES} slices each`,
);
const consumers = engines.map((e) => e.make());
const tallies = engines.map((): Tally => ({ candles: 0, cpu: 0, wall: 0 }));
consumers.forEach((consume) => measure(consume, 0.3, { candles: 0, cpu: 0, wall: 0 })); // JIT warm-up
for (let slice = 0; slice < SLICES; slice++)
  consumers.forEach((consume, i) => measure(consume, SECONDS / engines.length / SLICES, tallies[i]!));

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const rate = (t: Tally): number => t.candles / t.cpu;
engines.forEach((e, i) => {
  const t = tallies[i]!;
  const vs = i === 0 ? '' : `  ours ${(rate(tallies[0]!) / rate(t)).toFixed(2)}× faster`;
  console.log(
    `${e.name.padEnd(27)} ${fmt(rate(t)).padStart(11)} candles/s CPU  ${fmt(t.candles / t.wall).padStart(11)} candles/s wall${vs}`,
  );
});
engines.forEach((e) => console.log(`  ${e.name}: ${e.streaming}`));
