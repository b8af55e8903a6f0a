/** The Redis the bench loads: parsed from REDIS_URL, and only ever a loopback address. */
export interface RedisTarget {
  /** The URL as given, with any password masked (for reports). */
  readonly displayUrl: string;
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly db: number;
  readonly username: string | undefined;
  readonly password: string | undefined;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost']);

export function redisTarget(url: string): RedisTarget {
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:') {
    throw new Error(`REDIS_URL must be a redis:// URL (no TLS, loopback only), got ${parsed.protocol}`);
  }
  if (!LOOPBACK_HOSTS.has(parsed.hostname)) {
    throw new Error(`the bench loads 127.0.0.1 only; REDIS_URL points at ${parsed.hostname}`);
  }
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new Error(`bad database number in REDIS_URL: ${parsed.pathname}`);
  const masked = new URL(url);
  if (masked.password) masked.password = '***';
  return {
    displayUrl: masked.toString(),
    host: '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    db,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
  };
}
