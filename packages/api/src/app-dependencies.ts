import type { SeatGrid } from '@seatgrid/admission';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import type { ApiConfig } from './config.ts';
import type { PaymentGateway } from './payment.ts';
import type { RateLimiter } from './rate-limiter.ts';
import type { readinessResponse } from './schemas.ts';
import type { WaitingRoomProbe } from './waiting-room-metrics.ts';

export type Readiness = z.infer<typeof readinessResponse>;

/** What the app is built on; server.ts makes the real ones, tests make their own. */
export interface AppDependencies {
  readonly config: ApiConfig;
  /** The library: events, claims, holds, seat maps; its strategy is the one BOOKING_STRATEGY names. */
  readonly grid: SeatGrid;
  /** Where the library and the API keep their metrics. */
  readonly registry: Registry;
  /** What GET /metrics answers; by default the registry's text. Under WORKERS > 1, every worker's, summed. */
  readonly metricsText?: () => Promise<string>;
  readonly logger: Logger;
  readonly rateLimiter: RateLimiter;
  readonly payment: PaymentGateway;
  readonly readiness: () => Promise<Readiness>;
  /** Reads waiting rooms for their metrics (admission strategy); none: no waiting-room metrics. */
  readonly waitingRoomProbe?: WaitingRoomProbe;
}
