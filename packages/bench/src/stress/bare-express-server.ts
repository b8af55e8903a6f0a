// The baseline: a bare Express 5 app with one JSON POST route that answers 409 with a small
// problem+json body, the same shape as the API's refusal, and nothing else: no validation,
// no logging, no I/O. Run as a child (PORT from the environment) so it gets its own core
// like the API does, not the load generator's. WORKERS=N (default 1) serves PORT from N
// processes with node:cluster, as the API does, so the two scale side by side; once every
// process listens it prints EVERY_WORKER_LISTENING on stdout.
import cluster from 'node:cluster';
import express from 'express';
import { EVERY_WORKER_LISTENING } from './bare-express-ready.ts';

const workers = Number(process.env.WORKERS ?? '1');
if (!Number.isInteger(workers) || workers < 1) throw new Error(`WORKERS must be a whole number >= 1, got ${process.env.WORKERS}`);

if (workers > 1 && cluster.isPrimary) supervise(workers);
else serve();

function serve(): void {
  const app = express();
  app.use(express.json({ limit: 16_384 }));
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.post('/events/:eventId/bookings', (req, res) => {
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
