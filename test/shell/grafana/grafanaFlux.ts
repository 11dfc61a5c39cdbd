/**
 * What Grafana 12's InfluxDB datasource (Flux mode) does to a panel's query before InfluxDB sees it,
 * re-implemented for the tests (Grafana is AGPL: nothing of it is used, its behaviour is followed):
 *
 * 1. In the browser (`applyTemplateVariables`), dashboard variables are replaced (`templateSrv.replace`
 *    without a format: a single value is inserted as it is). `$__interval` and `$__interval_ms` are left
 *    for the server. A variable query is replaced the same way.
 * 2. The interval of the request (`rangeutil.calculateInterval`): the time range divided by the panel's
 *    max data points (its width in pixels unless set), rounded to a "nice" interval (`roundInterval`),
 *    raised to the panel's min interval (`interval`, variables replaced) when that is longer.
 * 3. In the server (`pkg/tsdb/influxdb/flux/macros.go`): every `<letters>.<letters>` whose second word is a
 *    macro is replaced, whatever the first word: `timeRangeStart`/`timeRangeStop` by the range's ends in
 *    UTC RFC 3339 (Go's RFC3339Nano: no fraction for whole seconds), `windowPeriod` by the interval as Go's
 *    `time.Duration.String()` (`15m0s`, `2h0m0s`), `bucket`/`defaultBucket`/`organization` by quoted
 *    datasource settings; then `$__interval_ms` (milliseconds).
 */

export type GrafanaRequest = {
  readonly from: Date;
  readonly to: Date;
  /** The panel's data points: its `maxDataPoints`, else its width in pixels. */
  readonly maxDataPoints: number;
  /** Dashboard variables with their single selected value. */
  readonly variables: Readonly<Record<string, string>>;
  /** The panel's min interval (`panel.interval`), variables not yet replaced. */
  readonly minInterval?: string | undefined;
  /** The datasource's default bucket and organization (for `v.defaultBucket`, `v.organization`). */
  readonly datasource?: { readonly defaultBucket: string; readonly organization: string };
};

/** `templateSrv.replace`'s variable syntaxes: `$name`, `[[name]]`, `${name}` (with `:format` / `.path`). */
const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

/** Replaces dashboard variables as Grafana's browser does; unknown names (and `__` built-ins) stay. */
export const replaceVariables = (text: string, variables: Readonly<Record<string, string>>): string =>
  text.replace(VARIABLE, (match, plain?: string, bracket?: string, _f?: string, braced?: string) => {
    const name = plain ?? bracket ?? braced ?? '';
    const value = variables[name];
    return name.startsWith('__') || value === undefined ? match : value;
  });

const UNIT_SECONDS: Record<string, number> = {
  y: 31536000,
  M: 2592000,
  w: 604800,
  d: 86400,
  h: 3600,
  m: 60,
  s: 1,
  ms: 0.001,
};

/** `rangeutil.intervalToMs`: `15m` → 900000; a bare number is seconds. */
export const intervalToMs = (text: string): number => {
  if (Number(text)) return Number.parseInt(text, 10) * 1000;
  const m = /^(-?\d+(?:\.\d+)?)(ms|[Mwdhmsy])/.exec(text);
  if (m === null) throw new Error(`not a Grafana interval: ${text}`);
  return UNIT_SECONDS[m[2]!]! * 1000 * Number.parseInt(m[1]!, 10);
};

/** `rangeutil.roundInterval`: the nice interval (ms) Grafana picks for a raw one. */
export const roundInterval = (ms: number): number => {
  const steps: [below: number, nice: number][] = [
    [10, 1],
    [15, 10],
    [35, 20],
    [75, 50],
    [150, 100],
    [350, 200],
    [750, 500],
    [1500, 1000],
    [3500, 2000],
    [7500, 5000],
    [12500, 10000],
    [17500, 15000],
    [25000, 20000],
    [45000, 30000],
    [90000, 60000],
    [210000, 120000],
    [450000, 300000],
    [750000, 600000],
    [1050000, 900000],
    [1500000, 1200000],
    [2700000, 1800000],
    [5400000, 3600000],
    [9000000, 7200000],
    [16200000, 10800000],
    [32400000, 21600000],
    [86400000, 43200000],
    [604800000, 86400000],
    [1814400000, 604800000],
    [3628800000, 2592000000],
  ];
  return steps.find(([below]) => ms < below)?.[1] ?? 31536000000;
};

/** `rangeutil.calculateInterval`: the request's interval in ms. */
export const requestIntervalMs = (r: GrafanaRequest): number => {
  const low = r.minInterval === undefined ? 1 : intervalToMs(replaceVariables(r.minInterval, r.variables));
  return Math.max(low, roundInterval((r.to.getTime() - r.from.getTime()) / r.maxDataPoints));
};

/** Go's `time.Duration.String()` of a whole number of milliseconds: `500ms`, `30s`, `15m0s`, `2h0m0s`. */
export const goDuration = (ms: number): string => {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const rest = ms % 60_000;
  const s = `${Math.floor(rest / 1000)}${
    rest % 1000 === 0
      ? ''
      : `.${String(rest % 1000)
          .padStart(3, '0')
          .replace(/0+$/, '')}`
  }s`;
  if (h > 0) return `${h}h${m}m${s}`;
  if (m > 0) return `${m}m${s}`;
  return s;
};

/** Go's `Format(time.RFC3339Nano)` of a UTC time: the fraction without trailing zeros, none when whole. */
export const goRfc3339Nano = (d: Date): string => d.toISOString().replace(/\.?0+Z$/, 'Z');

const MACRO = /([a-zA-Z]+)\.([a-zA-Z]+)/g;

/** The server's macros (macros.go), after the browser replaced the variables. */
export const replaceMacros = (flux: string, r: GrafanaRequest): string => {
  const intervalMs = requestIntervalMs(r);
  const ds = r.datasource ?? { defaultBucket: '', organization: '' };
  const values: Record<string, string> = {
    timeRangeStart: goRfc3339Nano(r.from),
    timeRangeStop: goRfc3339Nano(r.to),
    windowPeriod: goDuration(intervalMs),
    bucket: `"${ds.defaultBucket}"`,
    defaultBucket: `"${ds.defaultBucket}"`,
    organization: `"${ds.organization}"`,
  };
  let out = flux;
  for (const [whole, , macro] of flux.matchAll(MACRO)) {
    const value = values[macro!];
    if (value !== undefined) out = out.replaceAll(whole, value);
  }
  return out.replaceAll('$__interval_ms', String(intervalMs));
};

/** The Flux InfluxDB receives for a panel's (or a variable's) query. */
export const grafanaFlux = (query: string, r: GrafanaRequest): string =>
  replaceMacros(replaceVariables(query, r.variables), r);
