import {
  checkIndicatorConfig,
  defaultIndicatorConfig,
  type IndicatorConfig,
} from '../../core/indicators/index.ts';
import { attempt, chain, err, ok, type Result } from '../../core/result.ts';

/** `CRYPTOSTREAM_INDICATORS`: a JSON IndicatorConfig (fields left out keep their defaults). */
export const parseIndicatorConfig = (text: string | undefined): Result<IndicatorConfig, string> => {
  if (text === undefined) return ok(defaultIndicatorConfig);
  const parsed = attempt(
    () => JSON.parse(text) as unknown,
    () => `--indicators needs a JSON IndicatorConfig, got ${JSON.stringify(text.slice(0, 60))}`,
  );
  return chain((value: unknown): Result<IndicatorConfig, string> => {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return err('--indicators needs a JSON object');
    return checkIndicatorConfig({ ...defaultIndicatorConfig, ...(value as Partial<IndicatorConfig>) });
  })(parsed);
};
