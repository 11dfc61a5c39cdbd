import { parseArgs } from 'node:util';
import { enricher } from '../../core/indicators/index.ts';
import { isInterval } from '../../core/kline/interval.ts';
import { symbolPattern } from '../../core/kline/message.ts';
import { EXIT_OK, EXIT_REJECTED, exitStatusHelp } from './command.ts';
import { indicatorOptions, indicatorConfigFrom, indicatorUsage } from './indicatorFlags.ts';
import { readInput, reportRejections, usageError, writeLines } from './io.ts';
import { marketSeries } from './series.ts';

const usage = `Usage: cryptostream enrich --symbol <SYMBOL> --interval <interval> [options] [FILE]

Reads klines of one market (REST JSON, data.binance.vision CSV or WebSocket payloads; FILE or stdin) and
writes one JSON object per candle (JSON Lines): the candle's fields and every indicator that has a value
(absent while it warms up). Invalid records are reported on stderr (exit status 2).

Indicator periods (defaults in brackets):
${indicatorUsage}

${exitStatusHelp('enrich')}`;

export const run = async (argv: readonly string[]): Promise<number> => {
  const args = parseArgs({
    args: [...argv],
    options: {
      symbol: { type: 'string' },
      interval: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...indicatorOptions,
    },
    allowPositionals: true,
    strict: false,
  });
  if (args.values.help === true) {
    process.stdout.write(`${usage}\n`);
    return EXIT_OK;
  }
  const known = new Set(['symbol', 'interval', 'help', ...Object.keys(indicatorOptions)]);
  const unknown = Object.keys(args.values).find((k) => !known.has(k));
  if (unknown !== undefined) return usageError('enrich', `unknown option --${unknown}`, usage);
  const { symbol, interval } = args.values;
  if (typeof symbol !== 'string' || !symbolPattern.test(symbol))
    return usageError(
      'enrich',
      `--symbol needs an upper-case Binance symbol, got ${JSON.stringify(symbol ?? null)}`,
      usage,
    );
  if (typeof interval !== 'string' || !isInterval(interval))
    return usageError(
      'enrich',
      `--interval needs a Binance interval, got ${JSON.stringify(interval ?? null)}`,
      usage,
    );
  const config = indicatorConfigFrom(args.values);
  if (!config.ok) return usageError('enrich', config.error, usage);
  if (args.positionals.length > 1) return usageError('enrich', 'takes at most one FILE', usage);
  const file = args.positionals[0];

  const series = marketSeries(await readInput(file), { interval, symbol });
  reportRejections(series.rejections, file ?? 'stdin');
  const { init, step } = enricher(config.value);
  let state = init;
  const lines = series.candles.map((candle) => {
    const [next, indicators] = step(state, candle);
    state = next;
    return JSON.stringify({ symbol, interval, ...candle, ...indicators });
  });
  await writeLines(lines);
  return series.rejections.length > 0 ? EXIT_REJECTED : EXIT_OK;
};
