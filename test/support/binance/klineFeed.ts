/**
 * What Binance's kline streams carry (`web-socket-streams.md`): stream names `<symbol>@kline_<interval>`
 * (symbol lower case), events `{"e":"kline","E":…,"s":…,"k":{…}}`, and for each live interval a feed that
 * pushes the open candle's updates (`k.x` false) every 1000 ms for 1s candles and every 2000 ms for the
 * others, then, right after the close, the closing event (`k.x` true) with the final values.
 */
import type { Candle } from '../../../src/core/kline/candle.ts';
import { intervalMs, isInterval, type Interval } from '../../../src/core/kline/interval.ts';
import type { LiveReplay } from './market.ts';

/** A subscription to `<symbol>@kline_<interval>`; `symbol` as the exchange spells it (upper case). */
export type KlineStream = { readonly symbol: string; readonly interval: string };

/** Binance's kline intervals: the pipeline's, and the calendar month (a valid stream, never live here). */
const streamInterval = (i: string): boolean => isInterval(i) || i === '1M';

/** The kline stream a name denotes, if it is one (stream names are lower case, as on Binance). */
export const parseStream = (name: string): KlineStream | undefined => {
  const m = /^([a-z0-9]+)@kline_([0-9]+[smhdwM])$/.exec(name);
  return m === null || !streamInterval(m[2]!) ? undefined : { symbol: m[1]!.toUpperCase(), interval: m[2]! };
};

/** The `kline` event of a candle (trade ids `f`…`L`, or -1 both when it has no trades yet). */
export const klineEvent = (
  stream: KlineStream,
  c: Candle,
  firstTradeId: number,
  closed: boolean,
  eventTime: number,
) => ({
  e: 'kline',
  E: eventTime,
  s: stream.symbol,
  k: {
    t: c.openTime,
    T: c.closeTime,
    s: stream.symbol,
    i: stream.interval,
    f: c.trades === 0 ? -1 : firstTradeId,
    L: c.trades === 0 ? -1 : firstTradeId + c.trades - 1,
    o: c.open,
    c: c.close,
    h: c.high,
    l: c.low,
    v: c.volume,
    n: c.trades,
    x: closed,
    q: c.quoteVolume,
    V: c.takerBuyBase,
    Q: c.takerBuyQuote,
    B: '0',
  },
});

/** Binance pushes kline updates every 1000 ms for 1s candles and every 2000 ms for the others. */
const updatePeriod = (interval: Interval): number => (interval === '1s' ? 1000 : 2000);

/** Closing events leave a few ms after the close (E − T is 2–7 ms in recorded payloads). */
const CLOSING_LAG_MS = 3;

export type FeedTarget = {
  readonly serverNow: () => number;
  /** How much later than the close the closing events go out (0: right after it). */
  readonly closingDelay: () => number;
  /** The `index`-th candle of the replay is open, `elapsed` ms after its open time. */
  readonly update: (live: LiveReplay, index: number, elapsed: number) => void;
  /** The `index`-th candle of the replay has closed. */
  readonly closing: (live: LiveReplay, index: number) => void;
};

export type Feed = {
  /** Looks at the clock again now (after the closing delay changed). */
  readonly wake: () => void;
  readonly stop: () => void;
};

/**
 * The timetable of a live replay's events, by server time: an update of the open candle in the middle of
 * each update period, and each closing event `CLOSING_LAG_MS` plus the closing delay after the close.
 * Candles that closed before the feed started are nobody's news.
 */
export const startFeed = (live: LiveReplay, target: FeedTarget): Feed => {
  const { serverNow, closingDelay } = target;
  const step = intervalMs[live.interval];
  const every = updatePeriod(live.interval);
  const openTimeOf = (index: number) => live.epoch + index * step;
  const indexAt = (time: number) => Math.floor((time - live.epoch) / step);
  const closingAt = (index: number) => openTimeOf(index + 1) + CLOSING_LAG_MS + closingDelay();
  const updateAfter = (time: number) => {
    const open = openTimeOf(indexAt(time));
    const at = open + every / 2 + (Math.floor((time - open - every / 2) / every) + 1) * every;
    return at < open + step ? at : open + step + every / 2;
  };

  let nextUpdate = updateAfter(serverNow());
  let lastClosed = indexAt(serverNow() - CLOSING_LAG_MS - closingDelay()) - 1;
  let timer: NodeJS.Timeout | undefined;

  const wake = () => {
    clearTimeout(timer);
    const now = serverNow();
    while (closingAt(lastClosed + 1) <= now) target.closing(live, ++lastClosed);
    if (nextUpdate <= now) {
      const index = indexAt(nextUpdate);
      // A late timer must not send an update of a candle that has closed meanwhile.
      if (index > lastClosed && now < openTimeOf(index + 1))
        target.update(live, index, nextUpdate - openTimeOf(index));
      nextUpdate = updateAfter(now);
    }
    timer = setTimeout(wake, Math.max(0, Math.min(nextUpdate, closingAt(lastClosed + 1)) - serverNow()));
  };
  wake();
  return { wake, stop: () => clearTimeout(timer) };
};
