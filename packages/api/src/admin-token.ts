import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Whether the request carries the admin token (ADMIN_TOKEN) as `Authorization: Bearer <token>`.
 * The token is a static shared secret, not a JWT, and only admin routes ask for it; user
 * routes never accept it (with AUTH_JWT_SECRET they want a signed JWT). Which of the two a
 * request needs is decided by its route, never by the token's shape, so both can share the
 * Bearer scheme. Digests of equal length are compared, so timing reveals neither the token
 * nor its length.
 */
export function isAdminRequest(req: Request, token: string | undefined): boolean {
  const header = req.headers.authorization;
  if (token === undefined || typeof header !== 'string' || !header.startsWith('Bearer ')) return false;
  return timingSafeEqual(digest(header.slice('Bearer '.length)), digest(token));
}
