// The baseline: a bare Express 5 app with one JSON POST route that answers 409 with a small
// problem+json body, the same shape as the API's refusal, and nothing else: no validation,
// no logging, no I/O. Run as a child (PORT from the environment) so it gets its own core
// like the API does, not the load generator's. WORKERS=N (default 1) serves PORT from N
// processes with node:cluster, as the API does, so the two scale side by side; once every
// process listens it prints EVERY_WORKER_LISTENING on stdout. With ONE_REDIS_CALL=<redis url>
// the route first sends one EVALSHA shaped like a claim's (11 keys, 10 arguments, an
// auto-pipelining ioredis client like the API's) to a script that only returns a reply the
// size of a seats-taken refusal: the floor under any refusal that needs Redis.
import cluster from 'node:cluster';
import { gateScripts, ResultCode } from '@seatgrid/admission/gate';
import express from 'express';
import { Redis } from 'ioredis';
import { EVERY_WORKER_LISTENING } from './bare-express-ready.ts';

/** A reply of four integers, as the claim scripts give a one-seat seats-taken refusal. */
const REFUSAL_SIZED_SCRIPT = `return {${ResultCode.SEATS_TAKEN}, 0, 1, 1}`;
const CLAIM_KEYS = gateScripts['claim-seats'].numberOfKeys;

const workers = Number(process.env.WORKERS ?? '1');
if (!Number.isInteger(workers) || workers < 1) throw new Error(`WORKERS must be a whole number >= 1, got ${process.env.WORKERS}`);

if (workers > 1 && cluster.isPrimary) supervise(workers);
else serve();

function serve(): void {
  const app = express();
  const redisCall = oneRedisCall(process.env.ONE_REDIS_CALL);
  app.use(express.json({ limit: 16_384 }));
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.post('/events/:eventId/bookings', async (req, res) => {
    if (redisCall !== undefined) await redisCall(req.params.eventId, req.get('x-user-id') ?? '');
    res.status(409).type('application/problem+json').json({
      type: 'https://seatgrid.dev/problems/sold-out',
      title: 'Sold out',
      status: 409,
      eventId: req.params.eventId,
    });
  });
  const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    if (cluster.isPrimary) process.stdout.write(`${EVERY_WORKER_LISTENING}\n`);
  });
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}

/** The one Redis call a request makes, or undefined without a Redis URL. */
function oneRedisCall(url: string | undefined): ((eventId: string, userId: string) => Promise<unknown>) | undefined {
  if (url === undefined || url === '') return undefined;
  const redis = new Redis(url, { enableAutoPipelining: true, maxRetriesPerRequest: 1 });
  const sha = redis.script('LOAD', REFUSAL_SIZED_SCRIPT) as Promise<string>;
  // The keys and arguments as two lists, which ioredis flattens: the gate calls it so.
  const evalsha = redis.evalsha.bind(redis) as unknown as (
    sha: string,
    keyCount: number,
    ...lists: (string | number)[][]
  ) => Promise<unknown>;
  return async (eventId, userId) => {
    const keys = Array.from({ length: CLAIM_KEYS }, (_, i) => `bare:{ev:${eventId}}:${i}`);
    return evalsha(await sha, CLAIM_KEYS, keys, [100, 60_000, userId, 'hold-id', 0, 5_000, '', 86_400_000, 1, 1]);
  };
}

function supervise(count: number): void {
  let listening = 0;
  cluster.on('listening', () => {
    if (++listening === count) process.stdout.write(`${EVERY_WORKER_LISTENING}\n`);
  });
  // A worker that dies takes the baseline with it: a measurement on fewer processes would lie.
  let stopping = false;
  cluster.on('exit', () => {
    if (!stopping) process.exit(1);
    if (Object.values(cluster.workers ?? {}).every((worker) => worker === undefined || worker.isDead())) process.exit(0);
  });
  process.once('SIGTERM', () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  });
  for (let i = 0; i < count; i++) cluster.fork();
}
