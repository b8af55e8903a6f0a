import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { ApiConfig } from './config.ts';

// The primary and its workers talk over node:cluster's IPC channel with these messages.
const METRICS_REQUEST = 'seatgrid:metrics-request';
const METRICS_REPLY = 'seatgrid:metrics-reply';
/** How long a worker waits for the primary's aggregate before /metrics fails. */
const METRICS_TIMEOUT_MS = 10_000;
/** Past the workers' own grace: a worker still alive then is killed. */
const KILL_MARGIN_MS = 5_000;

interface MetricsRequest {
  readonly type: typeof METRICS_REQUEST;
  readonly id: number;
}

interface MetricsReply {
  readonly type: typeof METRICS_REPLY;
  readonly id: number;
  readonly text?: string;
  readonly error?: string;
}

function isMessage<T extends { type: string }>(message: unknown, type: T['type']): message is T {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}

/**
 * The primary under WORKERS > 1: forks that many workers, which share PORT (node:cluster hands
 * connections round-robin). A worker that dies after it served is replaced at once; one that
 * dies before it ever listened means the set-up is broken (configuration, database), so the
 * whole server stops rather than fork in a loop. SIGTERM or SIGINT drains every worker, then
 * exits: 0 if each stopped cleanly. Each worker keeps its own metrics; the primary sums them on
 * request (prom-client's AggregatorRegistry) for whichever worker answers GET /metrics.
 */
export async function superviseWorkers(config: ApiConfig, logger: Logger): Promise<void> {
  const aggregator = new AggregatorRegistry();
  const served = new Set<number>();
  let stopping = false;
  let failed = false;

  const stop = (reason: string, failure: boolean): void => {
    failed ||= failure;
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'stopping every worker');
    for (const worker of liveWorkers()) worker.process.kill('SIGTERM');
    setTimeout(() => {
      for (const worker of liveWorkers()) worker.process.kill('SIGKILL');
      logger.warn('workers did not stop in time; killed');
      process.exit(1);
    }, config.shutdownGraceMs + KILL_MARGIN_MS).unref();
  };

  let allListening = false;
  cluster.on('listening', (worker) => {
    served.add(worker.id);
    if (!allListening && served.size === config.workers) {
      allListening = true;
      logger.info({ workers: config.workers }, 'every worker listening');
    }
  });
  cluster.on('exit', (worker, code, signal) => {
    const hadServed = served.delete(worker.id);
    if (stopping) {
      if (code !== 0) failed = true;
      if (liveWorkers().length === 0) {
        logger.info('every worker stopped');
        process.exit(failed ? 1 : 0);
      }
      return;
    }
    if (!hadServed) {
      logger.error({ worker: worker.id, code, signal }, 'a worker died before it listened');
      stop('a worker failed to start', true);
      return;
    }
    logger.warn({ worker: worker.id, code, signal }, 'a worker died; starting another');
    cluster.fork();
  });
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage<MetricsRequest>(message, METRICS_REQUEST)) return;
    const reply = (answer: Omit<MetricsReply, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: METRICS_REPLY, id: message.id, ...answer } satisfies MetricsReply);
    };
    aggregator.clusterMetrics().then(
      (text) => reply({ text }),
      (err: unknown) => reply({ error: err instanceof Error ? err.message : String(err) }),
    );
  });
  process.once('SIGTERM', () => stop('SIGTERM', false));
  process.once('SIGINT', () => stop('SIGINT', false));

  for (let i = 0; i < config.workers; i++) cluster.fork();
  logger.info({ workers: config.workers, port: config.port }, 'supervising workers');
}

function liveWorkers(): Worker[] {
  return Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined && !worker.isDead());
}

let nextRequest = 0;
const pending = new Map<number, (reply: MetricsReply) => void>();

/**
 * In a worker: answers the primary's requests for `registry`'s metrics, and returns what
 * GET /metrics serves there: every worker's metrics, summed by the primary.
 */
export function workerMetrics(registry: Registry): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry(); // prom-client answers the primary's requests once one exists
  process.on('message', (message: unknown) => {
    if (isMessage<MetricsReply>(message, METRICS_REPLY)) pending.get(message.id)?.(message);
  });
  return askPrimary;
}

function askPrimary(): Promise<string> {
  const id = nextRequest++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error('the primary did not answer with the workers’ metrics in time'));
    }, METRICS_TIMEOUT_MS);
    pending.set(id, (reply) => {
      clearTimeout(timer);
      pending.delete(id);
      if (reply.text === undefined) reject(new Error(`aggregating the workers' metrics failed: ${reply.error}`));
      else resolve(reply.text);
    });
    process.send?.({ type: METRICS_REQUEST, id } satisfies MetricsRequest);
  });
}
