import { createRequire } from 'node:module';

/**
 * kafkajs 2.2.4 (its last release) keeps every open connection's request queue
 * (kafkajs/src/network/requestQueue/index.js) spinning: after each answer it checks its pending requests and
 * then arms a timer for the next check even when none is pending, with the delay `throttledUntil - Date.now()`,
 * negative unless the broker throttles. Node runs a timer with a negative delay after 1 ms, and that check arms
 * the next: every connection wakes the process about a thousand times a second for nothing, as long as it is
 * open (kafkajs issues #1556, #1604 and #1704; fix pull requests #1667, #1755 and #1768 open, unreleased). On
 * the one-node cluster an idle consumer pod spent ~30m CPU on it, more than its HPA's target lets two idle
 * replicas scale down to one; Node 24 also warns about the negative delay (`TimeoutNegativeWarning`).
 *
 * The mend replaces that one method, `scheduleCheckPendingRequests`, with the fix of pull request #1667: a
 * check is armed only while requests are pending, for when the broker's throttle ends, or after kafkajs's own
 * 10 ms when the queue waits for a free in-flight slot. Everything else is kafkajs's: a request is enqueued
 * (and a check armed) by `push`, and a queue full of in-flight requests is checked again as each of them is
 * answered or times out.
 */
const require = createRequire(import.meta.url);

/** The kafkajs release the mend is written for (package-lock.json pins it). */
export const MENDED_KAFKAJS = '2.2.4';
/** kafkajs's `CHECK_PENDING_REQUESTS_INTERVAL` (not exported by it). */
const CHECK_PENDING_EVERY_MS = 10;

/** The part of kafkajs's `RequestQueue` that the mended method reads and writes. */
export type PendingQueue = {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
  checkPendingRequests(): void;
};

/** The mended `RequestQueue.prototype.scheduleCheckPendingRequests`: no timer while nothing is pending. */
export function scheduleCheckPendingRequests(this: PendingQueue): void {
  if (this.throttleCheckTimeoutId !== null && this.throttleCheckTimeoutId !== undefined) return;
  if (this.pending.length === 0) return;
  const throttledFor = this.throttledUntil - Date.now();
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    throttledFor > 0 ? throttledFor : CHECK_PENDING_EVERY_MS,
  );
}

let mended = false;

/**
 * Puts the mended method on kafkajs's `RequestQueue` (once per process; every queue made afterwards or before
 * uses it). Called where every kafkajs client of the project is made (`makeKafka`, `awaitKafka`, tests'
 * `bareKafka`). Throws when kafkajs is not the release the mend is written for: a new release may have fixed
 * the loop, or changed the queue the mend relies on; either way this file is to be looked at again.
 */
export const mendKafkajsRequestQueue = (): void => {
  if (mended) return;
  const { version } = require('kafkajs/package.json') as { version: string };
  if (version !== MENDED_KAFKAJS)
    throw new Error(
      `kafkajs ${version}: src/shell/kafka/requestQueue.ts mends kafkajs ${MENDED_KAFKAJS}'s request queue; ` +
        'check whether this release still arms a timer with nothing pending (kafkajs issue #1704), then adapt or remove the mend',
    );
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as {
    prototype: { scheduleCheckPendingRequests: unknown };
  };
  if (typeof RequestQueue.prototype.scheduleCheckPendingRequests !== 'function')
    throw new Error(`kafkajs ${version}'s RequestQueue has no scheduleCheckPendingRequests to mend`);
  RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
  mended = true;
};
