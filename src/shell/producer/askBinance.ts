import type { PageRequest } from '../../core/binance/page.ts';
import { classifyKlines, UNPLACED_RETRIES, type KlinesOutcome } from '../../core/binance/response.ts';
import type { Interval } from '../../core/kline/interval.ts';
import { getKlines } from '../binance/client.ts';
import { gateOf, recordOutcome } from '../binance/gate.ts';
import type { Logger } from '../observability/logger.ts';

/**
 * Asks Binance for one page of klines through the process's gate: the classified answer. A 429 or 418
 * closes the gate for every request of the process (every interval) and is logged here; the caller only
 * has to stop.
 */
export const askBinance = async (
  ask: {
    readonly binanceUrl: string;
    readonly symbol: string;
    readonly interval: Interval;
    readonly request: PageRequest;
    readonly timeoutMs: number | undefined;
    /** Consecutive failures of this page so far: past `UNPLACED_RETRIES`, rows are placed by their neighbours. */
    readonly attempt: number;
  },
  onAnswer: (outcome: KlinesOutcome) => void,
  log: Logger,
  context: Readonly<Record<string, unknown>>,
): Promise<KlinesOutcome> => {
  const answer = await getKlines(ask.binanceUrl, ask.symbol, ask.interval, ask.request, ask.timeoutMs);
  const outcome: KlinesOutcome = answer.ok
    ? classifyKlines(answer.value, ask.interval, Date.now(), {
        placeByNeighbours: ask.attempt >= UNPLACED_RETRIES,
      })
    : { kind: 'retryable', reason: answer.error };
  recordOutcome(gateOf(ask.binanceUrl), outcome, Date.now());
  onAnswer(outcome);
  if (outcome.kind === 'rate-limited' || outcome.kind === 'banned')
    log.warn(
      { ...context, retryAfterMs: outcome.retryAfterMs },
      `Binance ${outcome.kind}: no request of any interval until Retry-After expires`,
    );
  return outcome;
};
