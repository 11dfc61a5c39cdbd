/**
 * Serves the recorded Binance klines of ../shared/data/binance over a Binance-compatible REST API on
 * 127.0.0.1 (the test server of test/support/binanceServer.ts), for runs on machines that cannot reach
 * Binance. Prints its base URL on stdout, then serves until SIGTERM or SIGINT.
 */
import { startBinanceServer } from '../test/support/binanceServer.ts';

const server = await startBinanceServer();
process.stdout.write(`${server.url}\n`);
const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
