/**
 * kafkajs 2.2.4 (the last release) on Node 24: `RequestQueue.scheduleCheckPendingRequests`
 * (kafkajs/src/network/requestQueue/index.js) computes `throttledUntil - Date.now()` with `throttledUntil`
 * at its initial -1 and hands that negative delay to `setTimeout` when no request is pending. Node has
 * always run such a timer after 1 ms; since Node 24 it also emits a `TimeoutNegativeWarning` (once per
 * process), which kafkajs's first connection triggers in every worker. It is harmless and not ours to fix:
 * kafkajs issue #1751, fix pull requests #1755 and #1768 open and unreleased.
 *
 * The filter drops exactly that warning: named `TimeoutNegativeWarning` and raised from kafkajs's request
 * queue (its stack says so). Every other warning, a `TimeoutNegativeWarning` of any other code included,
 * reaches Node's own handlers as before (`--trace-warnings`, `--redirect-warnings`, `--no-warnings` keep
 * working). Node emits a `TimeoutNegativeWarning` once per process: when kafkajs's came first, a later
 * negative timeout elsewhere goes unreported, as it would have without the filter.
 */
export const isKafkajsNegativeTimeout = (warning: Error): boolean =>
  warning.name === 'TimeoutNegativeWarning' &&
  /[\\/]kafkajs[\\/]src[\\/]network[\\/]requestQueue[\\/]/.test(warning.stack ?? '');

let installed = false;

/** Puts the filter in front of the process's 'warning' listeners (once; later listeners see everything). */
export const ignoreKafkajsNegativeTimeout = (): void => {
  if (installed) return;
  installed = true;
  const listeners = process.listeners('warning');
  for (const l of listeners) process.removeListener('warning', l);
  process.on('warning', (warning: Error) => {
    if (isKafkajsNegativeTimeout(warning)) return;
    for (const l of listeners) l.call(process, warning);
  });
};
