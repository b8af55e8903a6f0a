import type { RequestHandler } from 'express';

/** What a browser may send: the methods the API serves and every request header it reads. */
export const CORS_ALLOWED_METHODS = 'GET, HEAD, POST, DELETE';
export const CORS_ALLOWED_HEADERS =
  'Content-Type, Authorization, X-User-Id, Idempotency-Key, Admission-Token, Last-Event-ID, If-None-Match';
/** What a browser's script may read of an answer, besides the headers every answer may show. */
export const CORS_EXPOSED_HEADERS = 'RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After, X-Request-Id, ETag, Location';
/** How long a browser may reuse a preflight's answer. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * CORS for the origins in CORS_ORIGINS, and for no other: an unlisted origin's request gets no
 * CORS header at all (the browser then keeps the answer from its script). A listed origin's
 * preflight is answered here with 204. No credentials: callers name themselves in headers.
 */
export function cors(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    if (allowed.size === 0) {
      next();
      return;
    }
    // The answer depends on the Origin: caches must keep one per origin.
    res.vary('Origin');
    const origin = req.headers.origin;
    if (origin === undefined || !allowed.has(origin)) {
      next();
      return;
    }
    res.set('Access-Control-Allow-Origin', origin);
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      res
        .status(204)
        .set({
          'Access-Control-Allow-Methods': CORS_ALLOWED_METHODS,
          'Access-Control-Allow-Headers': CORS_ALLOWED_HEADERS,
          'Access-Control-Max-Age': String(PREFLIGHT_MAX_AGE_SECONDS),
        })
        .end();
      return;
    }
    res.set('Access-Control-Expose-Headers', CORS_EXPOSED_HEADERS);
    next();
  };
}
