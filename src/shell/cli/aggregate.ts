import { parseArgs } from 'node:util';
import { aggregateSeries } from '../../core/aggregate/aggregate.ts';
import { isInterval } from '../../core/kline/interval.ts';
import { toRestRow } from '../../core/kline/rest.ts';
import { EXIT_OK, EXIT_REJECTED, exitStatusHelp } from './command.ts';
import { readInput, reportRejections, usageError, writeLines } from './io.ts';
import { marketSeries } from './series.ts';

const usage = `Usage: cryptostream aggregate --to <interval> [FILE]

Reads klines (REST JSON, data.binance.vision CSV or WebSocket payloads; FILE or stdin) of one market and
writes the complete coarser candles to stdout, one Binance REST kline array per line. Gaps and buckets
that cannot close are reported on stderr; invalid records too (exit status 2).

${exitStatusHelp('aggregate')}`;

export const run = async (argv: readonly string[]): Promise<number> => {
  const args = parseArgs({
    args: [...argv],
    options: { to: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: false,
  });
  if (args.values.help === true) {
    process.stdout.write(`${usage}\n`);
    return EXIT_OK;
  }
  const unknown = Object.keys(args.values).filter((k) => k !== 'to' && k !== 'help');
  if (unknown.length > 0) return usageError('aggregate', `unknown option --${unknown[0]}`, usage);
  const to = args.values.to;
  if (typeof to !== 'string' || !isInterval(to))
    return usageError('aggregate', `--to needs a Binance interval, got ${JSON.stringify(to ?? null)}`, usage);
  if (args.positionals.length > 1) return usageError('aggregate', 'takes at most one FILE', usage);
  const file = args.positionals[0];

  const series = marketSeries(await readInput(file));
  reportRejections(series.rejections, file ?? 'stdin');
  if (series.interval === undefined) return series.rejections.length > 0 ? EXIT_REJECTED : EXIT_OK;
  const result = aggregateSeries(series.interval, to, series.candles);
  if (!result.ok) return usageError('aggregate', result.error, usage);
  await writeLines(result.value.candles.map((c) => JSON.stringify(toRestRow(c))));
  for (const e of result.value.events) process.stderr.write(`${JSON.stringify(e)}\n`);
  return series.rejections.length > 0 ? EXIT_REJECTED : EXIT_OK;
};
