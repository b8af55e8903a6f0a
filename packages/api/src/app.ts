import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { AppDependencies } from './app-dependencies.ts';
import { ProblemError, problemOf, sendProblem } from './http-problem.ts';
import { apiMetrics } from './metrics/api-metrics.ts';
import { cors } from './cors.ts';
import { apiDocument } from './openapi/api-document.ts';
import { pageRoutes } from './pages.ts';
import { problemTypes, problemUri } from './problems.ts';
import { claimRoutes } from './routes/claims.ts';
import { eventRoutes } from './routes/events.ts';
import { holdRoutes } from './routes/holds.ts';
import { operationRoutes } from './routes/operations.ts';
import { eventListRoutes } from './routes/event-list.ts';
import { readBackRoutes } from './routes/read-backs.ts';
import { queueRoutes } from './routes/queue.ts';
import { seatStreamRoutes } from './routes/seat-stream.ts';
import { waitlistRoutes } from './routes/waitlist.ts';
import { SeatStreams } from './seat-streams.ts';
import { WaitingRoomMetrics } from './waiting-room-metrics.ts';

const seatStreamsOf = new WeakMap<Express, SeatStreams>();

/** Ends the app's open seat streams: they never finish by themselves, and a closing server waits for them. */
export function endSeatStreams(app: Express): void {
  seatStreamsOf.get(app)?.closeAll();
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Request ids (X-Request-Id, kept when the caller sends a sane one, else this process's random
 * prefix and a counter: unique like a UUID, without making one a request) and one log line a
 * request when the logger logs at info. The line's listener is one function for every response.
 */
function requestLog(logger: Logger) {
  const prefix = randomUUID().slice(0, 8);
  let next = 0;
  const logging = logger.isLevelEnabled('info');
  function logLine(this: Response): void {
    const ms = Number(process.hrtime.bigint() - (this.locals.started as bigint)) / 1e6;
    const { method, path } = this.req;
    logger.info({ requestId: this.locals.requestId, method, path, status: this.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
  }
  return (req: Request, res: Response, proceed: NextFunction): void => {
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : `${prefix}-${(next++).toString(36)}`;
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    if (logging) {
      res.locals.started = process.hrtime.bigint();
      res.on('finish', logLine);
    }
    proceed();
  };
}

/**
 * The Express app: JSON in, JSON or application/problem+json out; the buyer's page at / and the
 * API's documentation at /docs.
 */
export function createApp(deps: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(apiMetrics(deps));
  const streams = new SeatStreams(
    { maxClients: deps.config.sseMaxClients, heartbeatMs: deps.config.sseHeartbeatMs, maxBufferBytes: deps.config.sseMaxBufferBytes },
    deps.registry,
  );
  seatStreamsOf.set(app, streams);
  app.use(requestLog(deps.logger));
  app.use(cors(deps.config.corsOrigins));
  app.use((req, _res, next) => {
    // HTTP/1.1 requires Host; the server lets requests without it through so they get a problem answer.
    if (req.headers.host === undefined) throw new ProblemError('invalid-input', { field: 'Host', detail: 'send a Host header' });
    next();
  });
  // Claims first: they are most of an on-sale's requests, and a sold-out answer needs no body.
  const claims = claimRoutes(deps);
  app.use(claims.beforeBody);
  app.use(express.json({ limit: deps.config.bodyLimitBytes, strict: true }));
  app.use(claims.afterBody);
  app.use(operationRoutes(deps, apiDocument));
  app.use(eventRoutes(deps));
  app.use(holdRoutes(deps));
  app.use(eventListRoutes(deps));
  app.use(readBackRoutes(deps));
  app.use(seatStreamRoutes(deps, streams));
  app.use(pageRoutes());
  app.use(waitlistRoutes(deps));
  app.use(queueRoutes(deps, new WaitingRoomMetrics(deps.registry, deps.waitingRoomProbe)));
  app.use(() => {
    throw new ProblemError('not-found');
  });
  // Express recognises an error handler by its four parameters.
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const problem = problemOf(error);
    if (problem === undefined) deps.logger.error({ err: error, requestId: res.locals.requestId }, 'request failed');
    if (res.headersSent) return;
    sendProblem(res, problem ?? new ProblemError('internal'), req.originalUrl);
  });
  return app;
}

/** Serves the app on host:port; resolves once it listens. */
export async function listen(app: Express, port: number, host: string): Promise<Server> {
  const server = createServer({ requireHostHeader: false }, app);
  answerClientErrors(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

/**
 * Requests Node's HTTP parser refuses never reach Express (a control character in a header,
 * no Host, headers too large): answer them with a problem too, then close the connection.
 */
function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const type = error.code === 'HPE_HEADER_OVERFLOW' ? 'headers-too-large' : 'invalid-input';
    const { status, title } = problemTypes[type];
    const body = JSON.stringify({ type: problemUri(type), title, status, detail: 'the request could not be parsed' });
    socket.end(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
