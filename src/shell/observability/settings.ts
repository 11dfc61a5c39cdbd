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

export const isoTime = (name: string, text: string | undefined): Result<number | undefined, string> => {
  if (text === undefined) return ok(undefined);
  const t = Date.parse(text);
  return Number.isFinite(t) ? ok(t) : err(`--${name} needs an ISO-8601 time, got ${JSON.stringify(text)}`);
};
