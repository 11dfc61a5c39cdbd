import type { CryptoStream } from './cryptostream.ts';
import { withDefaults } from './openapi.ts';
import { rootSchema } from './schema.ts';

/**
 * The resource with every schema default filled in, as the API server stores it. The operator reads
 * defaulted resources already; this keeps the core correct for ones that never went through a server.
 */
export const defaulted = (resource: unknown): CryptoStream =>
  withDefaults(rootSchema, resource) as CryptoStream;
