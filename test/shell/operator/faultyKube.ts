import { setImmediate } from 'node:timers/promises';
import type { Kube } from '../../../src/shell/operator/kube.ts';

export type Fault = 'none' | 'refused' | 'hang';

export type FaultyKube = Kube & {
  /** From now on requests reach the server ('none'), fail at once ('refused') or never answer ('hang'). */
  readonly inject: (fault: Fault) => void;
  /** Resolves once no request that will be answered is in flight, and what they woke has run. */
  readonly settled: () => Promise<void>;
};

/** The real API server's client with faults injected in front of it, counting the requests in flight. */
export const faultyKube = (kube: Kube): FaultyKube => {
  let fault: Fault = 'none';
  let inFlight = 0;
  let quiet: (() => void)[] = [];
  const wrap =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      if (fault === 'refused') return Promise.reject(new Error('connect ECONNREFUSED (injected)'));
      if (fault === 'hang') return new Promise<R>(() => undefined);
      inFlight++;
      return call(...args).finally(() => {
        if (--inFlight > 0) return;
        const waiters = quiet;
        quiet = [];
        waiters.forEach((w) => w());
      });
    };
  return {
    request: wrap(kube.request),
    apply: wrap(kube.apply) as Kube['apply'],
    remove: wrap(kube.remove),
    get: wrap(kube.get) as Kube['get'],
    list: wrap(kube.list) as Kube['list'],
    create: wrap(kube.create) as Kube['create'],
    replace: wrap(kube.replace) as Kube['replace'],
    onWrite: kube.onWrite,
    close: kube.close,
    inject: (f) => void (fault = f),
    settled: async () => {
      // each continuation of an answered request runs in microtasks, so it has sent its next request by then
      for (await setImmediate(); inFlight > 0; await setImmediate())
        await new Promise<void>((resolve) => quiet.push(resolve));
    },
  };
};
