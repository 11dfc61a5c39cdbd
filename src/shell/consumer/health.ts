/**
 * What the consumer's probes say. Live: the kafkajs consumer runs or restarts itself; not live once it
 * crashed for good (kafkajs gives up on non-retriable errors and stays disconnected) or did not rejoin
 * within the restart deadline after a crash it meant to recover from. Ready: live, joined to its group,
 * and InfluxDB's last answer was a success (a bucket lookup at start and while idle, every write and
 * query afterwards).
 */
export type ConsumerHealth = {
  readonly live: () => boolean;
  readonly ready: () => boolean;
  /** Why not ready or not live ('' when ready). */
  readonly reason: () => string;
  /** Resolves with the error once the consumer crashed for good; never otherwise. */
  readonly fatal: Promise<Error>;
  /**
   * Whether InfluxDB should be looked up to know whether it answers: no batch is failing (their retries
   * say it) and none reached it within `everyMs`.
   */
  readonly probeDue: (everyMs: number) => boolean;
  /** A batch failed on InfluxDB (+1) and then is stored or abandoned (-1). */
  readonly failingBatch: (delta: 1 | -1) => void;
  readonly joined: () => void;
  readonly influxAnswered: () => void;
  readonly influxFailed: (reason: string) => void;
  /** The outcome of a bucket lookup ('' : InfluxDB answered), ignored while a batch is failing. */
  readonly probed: (failure: string) => void;
  /** A kafkajs CRASH: `restart` whether kafkajs restarts the consumer itself. */
  readonly crashed: (error: Error, restart: boolean) => void;
  readonly stop: () => void;
};

/** How long a consumer kafkajs restarts after a crash may take to rejoin before it counts as dead. */
export const DEFAULT_RESTART_DEADLINE_MS = 5 * 60_000;

export const consumerHealth = (restartDeadlineMs = DEFAULT_RESTART_DEADLINE_MS): ConsumerHealth => {
  let kafka: 'joining' | 'joined' | 'restarting' = 'joining';
  let influx: { ok: boolean; reason: string; at: number } = {
    ok: false,
    reason: 'InfluxDB has not answered yet',
    at: 0,
  };
  let failing = 0;
  let dead: Error | undefined;
  let deadline: NodeJS.Timeout | undefined;
  let die: (e: Error) => void = () => undefined;
  const fatal = new Promise<Error>((resolve) => (die = resolve));
  const fail = (e: Error) => {
    if (dead !== undefined) return;
    dead = e;
    clearTimeout(deadline);
    die(e);
  };
  const live = () => dead === undefined;
  const ready = () => live() && kafka === 'joined' && influx.ok;
  return {
    live,
    ready,
    reason: () => {
      if (dead !== undefined) return `the Kafka consumer crashed: ${dead.message}`;
      if (kafka === 'joining') return 'not joined to the consumer group yet';
      if (kafka === 'restarting') return 'the Kafka consumer is restarting after a crash';
      return influx.ok ? '' : influx.reason;
    },
    fatal,
    probeDue: (everyMs) => failing === 0 && Date.now() - influx.at >= everyMs,
    failingBatch: (delta) => (failing += delta),
    joined: () => {
      kafka = 'joined';
      clearTimeout(deadline);
    },
    influxAnswered: () => (influx = { ok: true, reason: '', at: Date.now() }),
    influxFailed: (reason) => (influx = { ok: false, reason, at: Date.now() }),
    probed: (failure) => {
      if (failing === 0) influx = { ok: failure === '', reason: failure, at: Date.now() };
    },
    crashed: (error, restart) => {
      if (!restart) return fail(error);
      kafka = 'restarting';
      clearTimeout(deadline);
      deadline = setTimeout(
        () => fail(new Error(`not rejoined ${restartDeadlineMs / 1000} s after a crash: ${error.message}`)),
        restartDeadlineMs,
      ).unref();
    },
    stop: () => clearTimeout(deadline),
  };
};
