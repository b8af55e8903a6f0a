import { comparisonStrategyNames, type ComparisonStrategyName } from '@seatgrid/admission/testing';
import { z } from 'zod';

/** Everything the server reads from the environment, with its default. */
export interface ApiConfig {
  /** PORT (3000). */
  readonly port: number;
  /** HOST (127.0.0.1): the interface to listen on. */
  readonly host: string;
  /** REDIS_URL (redis://127.0.0.1:6379): the admission strategy's gate and the rate limiter's buckets. */
  readonly redisUrl: string;
  /**
   * REDIS_CLUSTER_NODES (none): `host:port,…`, some nodes of a Redis Cluster. When set, the
   * API keeps everything it keeps in Redis in that cluster and REDIS_URL is not used.
   */
  readonly redisClusterNodes: readonly ClusterNode[] | undefined;
  /** DATABASE_URL (postgres://postgres@127.0.0.1:5432/seatgrid). */
  readonly databaseUrl: string;
  /**
   * DATABASE_SHARDS (none): `url1,url2,…`, PostgreSQL databases that share the events, each
   * event wholly in one; the first also keeps the directory of which event lives where. Add
   * shards only at the end: existing events stay where they are. Unset: DATABASE_URL alone.
   */
  readonly databaseShards: readonly string[];
  /** WORKERS (1): API processes serving PORT together (node:cluster), 1 to 64. */
  readonly workers: number;
  /** ADMIN_TOKEN (none: creating events is refused until it is set). */
  readonly adminToken: string | undefined;
  /** BOOKING_STRATEGY (admission): admission | optimistic | pessimistic | naive. */
  readonly strategy: ComparisonStrategyName;
  /** PAYMENT_SUCCESS_RATE (1): share of mock payments that succeed, 0..1. */
  readonly paymentSuccessRate: number;
  /** PAYMENT_DELAY_MS (0): how long a mock payment takes. */
  readonly paymentDelayMs: number;
  /** RATE_LIMIT_PER_SECOND (50) and RATE_LIMIT_BURST (100): claims per user; 0 disables. */
  readonly rateLimitPerSecond: number;
  readonly rateLimitBurst: number;
  /** RATE_LIMIT_IP_PER_SECOND (500) and RATE_LIMIT_IP_BURST (1000): claims per client address; 0 disables. */
  readonly rateLimitIpPerSecond: number;
  readonly rateLimitIpBurst: number;
  /**
   * AUTH_JWT_SECRET (none: the caller is the X-User-Id header). When set (at least 32
   * characters), the caller is the `sub` of an HS256 JWT in Authorization: Bearer.
   */
  readonly jwtSecret: string | undefined;
  /** AUTH_JWT_ISSUER (none): when set, a JWT must carry this `iss`. */
  readonly jwtIssuer: string | undefined;
  /** AUTH_JWT_AUDIENCE (none): when set, a JWT's `aud` must name it. */
  readonly jwtAudience: string | undefined;
  /** BODY_LIMIT_BYTES (16384). */
  readonly bodyLimitBytes: number;
  /** SWEEP_INTERVAL_MS (1000): how often expired holds are swept in PostgreSQL. */
  readonly sweepIntervalMs: number;
  /** RECONCILE_INTERVAL_MS (5000): how often Redis is compared with PostgreSQL. */
  readonly reconcileIntervalMs: number;
  /** BREAKER_TIMEOUT_MS (250): a Redis call slower than this counts as a failure. */
  readonly breakerTimeoutMs: number;
  /** BREAKER_RESET_MS (2000): how long the breaker stays open before it tries Redis again. */
  readonly breakerResetMs: number;
  /** PG_POOL_SIZE (20). */
  readonly pgPoolSize: number;
  /** SHUTDOWN_GRACE_MS (10000): in-flight requests get this long after SIGTERM. */
  readonly shutdownGraceMs: number;
  /** LOG_LEVEL (info). */
  readonly logLevel: string;
  /**
   * OTEL_EXPORTER_OTLP_ENDPOINT (none: no tracing, and the library makes no spans): where the
   * OTLP/HTTP exporter sends the claim spans (the other OTEL_* variables apply too).
   */
  readonly otlpEndpoint: string | undefined;
  /** CORS_ORIGINS (none): comma-separated origins (scheme://host[:port]) that may call the API from a browser. */
  readonly corsOrigins: readonly string[];
  /** SSE_MAX_CLIENTS (1000): open seat streams this process serves at most; past it, 503 with Retry-After. */
  readonly sseMaxClients: number;
  /** SSE_HEARTBEAT_MS (15000): a comment line on every open seat stream this often. */
  readonly sseHeartbeatMs: number;
  /** SSE_MAX_BUFFER_BYTES (1048576): a seat stream with more unsent bytes than this (beyond its last snapshot) is dropped. */
  readonly sseMaxBufferBytes: number;
}

/** One Redis Cluster node to start from; the client discovers the rest. */
export interface ClusterNode {
  readonly host: string;
  readonly port: number;
}

const CLUSTER_NODE = /^([^\s:,]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/;

/** An empty variable is an unset one: harnesses clear a variable by passing ''. */
const unsetIfEmpty = (value: unknown) => (value === '' ? undefined : value);

/** `host:port,…` → nodes; a list that does not parse is a configuration error, not a guess. */
const clusterNodes = z
  .string()
  .transform((text, ctx) => {
    const nodes: ClusterNode[] = [];
    for (const item of text.split(',').map((part) => part.trim())) {
      const match = CLUSTER_NODE.exec(item);
      const port = Number(match?.[2]);
      if (match === null || port < 1 || port > 65_535) {
        ctx.addIssue({ code: 'custom', message: `"${item}" is not host:port` });
        return z.NEVER;
      }
      nodes.push({ host: (match[1] as string).replace(/^\[|\]$/g, ''), port });
    }
    return nodes;
  })
  .optional();

const databaseShards = z
  .string()
  .transform((text) => text.split(',').map((url) => url.trim()))
  .pipe(z.array(z.string().regex(/^postgres(ql)?:\/\//, 'each shard is a postgres:// URL')).min(1))
  .optional();

const number = (fallback: number, min: number, max: number) => z.coerce.number().min(min).max(max).default(fallback);

/** An origin as browsers send it: scheme://host[:port], nothing after. */
const origin = z.string().refine((value) => URL.canParse(value) && new URL(value).origin === value, {
  message: 'each origin is scheme://host[:port], as a browser sends it in Origin',
});
const corsOrigins = z
  .string()
  .default('')
  .transform((list) =>
    list
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== ''),
  )
  .pipe(z.array(origin));

const environment = z
  .object({
    PORT: number(3000, 0, 65_535).pipe(z.number().int()),
    HOST: z.string().min(1).default('127.0.0.1'),
    REDIS_URL: z.string().min(1).default('redis://127.0.0.1:6379'),
    REDIS_CLUSTER_NODES: z.preprocess(unsetIfEmpty, clusterNodes),
    DATABASE_URL: z.string().min(1).default('postgres://postgres@127.0.0.1:5432/seatgrid'),
    DATABASE_SHARDS: z.preprocess(unsetIfEmpty, databaseShards),
    WORKERS: number(1, 1, 64).pipe(z.number().int()),
    ADMIN_TOKEN: z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters').optional(),
    BOOKING_STRATEGY: z.enum(comparisonStrategyNames).default('admission'),
    PAYMENT_SUCCESS_RATE: number(1, 0, 1),
    PAYMENT_DELAY_MS: number(0, 0, 60_000),
    RATE_LIMIT_PER_SECOND: number(50, 0, 1_000_000),
    RATE_LIMIT_BURST: number(100, 1, 1_000_000),
    RATE_LIMIT_IP_PER_SECOND: number(500, 0, 1_000_000),
    RATE_LIMIT_IP_BURST: number(1_000, 1, 1_000_000),
    // HS256 wants a key of at least 256 bits.
    AUTH_JWT_SECRET: z.string().min(32, 'AUTH_JWT_SECRET must be at least 32 characters').optional(),
    AUTH_JWT_ISSUER: z.string().min(1).optional(),
    AUTH_JWT_AUDIENCE: z.string().min(1).optional(),
    BODY_LIMIT_BYTES: number(16_384, 1_024, 1_048_576),
    SWEEP_INTERVAL_MS: number(1_000, 100, 3_600_000),
    RECONCILE_INTERVAL_MS: number(5_000, 100, 3_600_000),
    BREAKER_TIMEOUT_MS: number(250, 10, 60_000),
    BREAKER_RESET_MS: number(2_000, 100, 600_000),
    PG_POOL_SIZE: number(20, 1, 500),
    SHUTDOWN_GRACE_MS: number(10_000, 0, 600_000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
    CORS_ORIGINS: corsOrigins,
    SSE_MAX_CLIENTS: number(1_000, 0, 1_000_000).pipe(z.number().int()),
    SSE_HEARTBEAT_MS: number(15_000, 10, 3_600_000),
    SSE_MAX_BUFFER_BYTES: number(1_048_576, 1_024, 1_073_741_824).pipe(z.number().int()),
  })
  // An issuer or audience without a secret would look like JWT checks that are not happening.
  .refine((e) => e.AUTH_JWT_SECRET !== undefined || (e.AUTH_JWT_ISSUER === undefined && e.AUTH_JWT_AUDIENCE === undefined), {
    path: ['AUTH_JWT_SECRET'],
    message: 'AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE need AUTH_JWT_SECRET',
  })
  // One leaked secret must not give away both: admin rights and every user's identity.
  .refine((e) => e.AUTH_JWT_SECRET === undefined || e.AUTH_JWT_SECRET !== e.ADMIN_TOKEN, {
    path: ['AUTH_JWT_SECRET'],
    message: 'AUTH_JWT_SECRET must differ from ADMIN_TOKEN',
  });

/** Reads the configuration; throws with every bad variable named. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const parsed = environment.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`bad configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    redisUrl: e.REDIS_URL,
    redisClusterNodes: e.REDIS_CLUSTER_NODES,
    databaseUrl: e.DATABASE_URL,
    databaseShards: e.DATABASE_SHARDS ?? [e.DATABASE_URL],
    workers: e.WORKERS,
    adminToken: e.ADMIN_TOKEN,
    strategy: e.BOOKING_STRATEGY,
    paymentSuccessRate: e.PAYMENT_SUCCESS_RATE,
    paymentDelayMs: e.PAYMENT_DELAY_MS,
    rateLimitPerSecond: e.RATE_LIMIT_PER_SECOND,
    rateLimitBurst: e.RATE_LIMIT_BURST,
    rateLimitIpPerSecond: e.RATE_LIMIT_IP_PER_SECOND,
    rateLimitIpBurst: e.RATE_LIMIT_IP_BURST,
    jwtSecret: e.AUTH_JWT_SECRET,
    jwtIssuer: e.AUTH_JWT_ISSUER,
    jwtAudience: e.AUTH_JWT_AUDIENCE,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    sweepIntervalMs: e.SWEEP_INTERVAL_MS,
    reconcileIntervalMs: e.RECONCILE_INTERVAL_MS,
    breakerTimeoutMs: e.BREAKER_TIMEOUT_MS,
    breakerResetMs: e.BREAKER_RESET_MS,
    pgPoolSize: e.PG_POOL_SIZE,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    logLevel: e.LOG_LEVEL,
    otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    corsOrigins: Object.freeze(e.CORS_ORIGINS),
    sseMaxClients: e.SSE_MAX_CLIENTS,
    sseHeartbeatMs: e.SSE_HEARTBEAT_MS,
    sseMaxBufferBytes: e.SSE_MAX_BUFFER_BYTES,
  });
}
