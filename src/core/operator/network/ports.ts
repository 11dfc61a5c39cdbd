/** The port of a scheme when a URL names none. */
const SCHEME_PORTS: Readonly<Record<string, number>> = { 'https:': 443, 'http:': 80 };

/**
 * The TCP port a producer connects to for `binance.baseUrl`: the URL's own port, or its scheme's (443 for
 * https, 80 for http). The API server admits only http(s) URLs; one WHATWG cannot parse counts as https.
 */
export const portOfUrl = (url: string): number => {
  try {
    const { port, protocol } = new URL(url);
    return port === '' ? (SCHEME_PORTS[protocol] ?? 443) : Number(port);
  } catch {
    return url.toLowerCase().startsWith('http:') ? 80 : 443;
  }
};

/** The distinct ports of `host:port[,host:port…]` (as `kafka.external.bootstrapServers`), ascending. */
export const portsOfServers = (servers: string): number[] =>
  [
    ...new Set(
      servers
        .split(',')
        .map((s) => Number(s.trim().slice(s.trim().lastIndexOf(':') + 1)))
        .filter((p) => Number.isInteger(p) && p > 0 && p <= 65_535),
    ),
  ].sort((a, b) => a - b);
