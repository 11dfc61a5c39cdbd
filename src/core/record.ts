/** A JSON object (not null, not an array), its properties still unknown: the first check of a decoder. */
export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
