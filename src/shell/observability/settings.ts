import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { err, ok, type Result } from '../../core/result.ts';

/**
 * Worker settings (docs/configuration.md): every flag has an environment variable, and the flag wins.
 * `spec` maps a flag name to its variable.
 */
export type SettingSpec = Readonly<Record<string, { readonly env: string; readonly default?: string }>>;

export type Settings = {
  readonly values: Readonly<Record<string, string | undefined>>;
  readonly help: boolean;
};

export const readSettings = (
  argv: readonly string[],
  spec: SettingSpec,
  env: NodeJS.ProcessEnv = process.env,
): Result<Settings, string> => {
  const options: ParseArgsOptionsConfig = { help: { type: 'boolean', short: 'h' } };
  for (const name of Object.keys(spec)) options[name] = { type: 'string' };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: false, strict: true });
  } catch (e) {
    return err(e instanceof Error ? e.message : String(e));
  }
  const values: Record<string, string | undefined> = {};
  for (const [name, { env: variable, default: fallback }] of Object.entries(spec)) {
    const flag = parsed.values[name];
    const fromEnv = env[variable];
    values[name] =
      typeof flag === 'string' ? flag : fromEnv !== undefined && fromEnv !== '' ? fromEnv : fallback;
  }
  return ok({ values, help: parsed.values['help'] === true });
};

/** The option table of a usage text: flag, variable, default, under a heading, in aligned columns. */
export const settingsUsage = (spec: SettingSpec): string => {
  const rows = [
    ['flag', 'variable', 'default'],
    ...Object.entries(spec).map(([name, s]) => [`--${name}`, s.env, s.default ?? '']),
  ];
  const widths = [0, 1].map((i) => Math.max(...rows.map((r) => r[i]!.length)) + 1);
  return rows
    .map(([flag, variable, fallback]) =>
      `  ${flag!.padEnd(widths[0]!)} ${variable!.padEnd(widths[1]!)} ${fallback!}`.trimEnd(),
    )
    .join('\n');
};

export const positiveInt = (name: string, text: string | undefined): Result<number, string> =>
  text !== undefined && /^\d+$/.test(text)
    ? ok(Number(text))
    : err(`--${name} needs a number, got ${JSON.stringify(text ?? null)}`);

/** What `isoTime` accepts, for its error messages and the usage texts. */
export const ISO_TIME_FORMS =
  'a date (2024-09-16: UTC midnight) or a date-time with Z or an offset (2024-09-16T00:00:00Z, 2024-09-16T00:00:00.000Z, 2024-09-16T05:30:00+05:30)';

const isoDate = /^(\d{4})-(\d{2})-(\d{2})$/;
const isoDateTime =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?$/i;

/**
 * An instant in ISO 8601, read the same on every machine: a bare date is UTC midnight, a date-time needs
 * its zone (`Z`, or an offset such as `+05:30`, converted to UTC). A date-time without a zone (local time
 * to `Date.parse`), other forms `Date.parse` guesses at (`Sep 16 2024`, RFC 2822, epoch numbers) and
 * impossible dates (`2024-02-30`) are refused with a message naming the flag and the value.
 */
export const isoTime = (name: string, text: string | undefined): Result<number | undefined, string> => {
  if (text === undefined) return ok(undefined);
  const refuse = (why: string) => err(`--${name} ${JSON.stringify(text)} ${why}; give ${ISO_TIME_FORMS}`);
  const date = isoDate.exec(text);
  const time = date ?? isoDateTime.exec(text);
  if (time === null) return refuse('is not an ISO-8601 date or date-time');
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = '0', zone] = time;
  if (date === null && zone === undefined)
    return refuse('has no zone designator (it would be read in local time): add Z for UTC');
  const n = (s: string) => Number(s);
  const utc = Date.UTC(
    n(year!),
    n(month!) - 1,
    n(day!),
    n(hour),
    n(minute),
    n(second),
    n(fraction.padEnd(3, '0')),
  );
  const back = new Date(utc);
  if (
    back.getUTCFullYear() !== n(year!) ||
    back.getUTCMonth() !== n(month!) - 1 ||
    back.getUTCDate() !== n(day!) ||
    back.getUTCHours() !== n(hour) ||
    back.getUTCMinutes() !== n(minute) ||
    back.getUTCSeconds() !== n(second)
  )
    return refuse('is not a valid calendar date and time');
  let offsetMinutes = 0;
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const [hours, minutes] = zone.slice(1).split(':').map(Number) as [number, number];
    if (hours > 23 || minutes > 59) return refuse('has an offset out of range');
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  }
  return ok(utc - offsetMinutes * 60_000);
};
