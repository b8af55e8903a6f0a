// The SeatGrid API server: `pnpm --filter @seatgrid/api start`. Configuration comes only
// from the environment (config.ts). One process by default; with WORKERS > 1 this process
// supervises that many workers, each serving PORT (workers.ts).
import cluster from 'node:cluster';
import { pino } from 'pino';
import { serveApi } from './api-process.ts';
import { loadConfig } from './config.ts';
import { superviseWorkers } from './workers.ts';

const config = loadConfig();
const logger = pino({ level: config.logLevel });

if (config.workers > 1 && cluster.isPrimary) await superviseWorkers(config, logger);
else await serveApi(config, cluster.isWorker ? logger.child({ worker: cluster.worker?.id }) : logger);
