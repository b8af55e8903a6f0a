import type { Request } from 'express';
import { errors, jwtVerify } from 'jose';
import type { ApiConfig } from './config.ts';
import { ProblemError } from './http-problem.ts';
import { userIdOf } from './request-input.ts';
import { userIdHeader } from './schemas.ts';

/** Who is calling: a user id, checked before it reaches any key or query. */
export type CallerIdentity = (req: Request) => Promise<string>;

/** How callers say who they are: the X-User-Id header, or (AUTH_JWT_SECRET) the `sub` of a bearer JWT. */
export type IdentityScheme = 'x-user-id' | 'jwt';

export function identitySchemeOf(config: ApiConfig): IdentityScheme {
  return config.jwtSecret === undefined ? 'x-user-id' : 'jwt';
}

/** The JWT checks: HS256 only, `exp` and `sub` required, `nbf` honoured; `iss` and `aud` when configured. */
export interface JwtSettings {
  readonly secret: string;
  readonly issuer?: string | undefined;
  readonly audience?: string | undefined;
}

const BEARER = 'Bearer ';

/** One 401 for every way a token can fail, so a caller learns nothing about why (RFC 6750 §3). */
function unauthenticated(tokenSent: boolean): ProblemError {
  return new ProblemError(
    'unauthenticated',
    { detail: 'send Authorization: Bearer <a valid, unexpired JWT>' },
    { 'WWW-Authenticate': tokenSent ? 'Bearer error="invalid_token"' : 'Bearer' },
  );
}

/** The caller is the verified `sub` of the JWT in Authorization: Bearer; X-User-Id is ignored. */
export function jwtIdentity(settings: JwtSettings): CallerIdentity {
  const key = new TextEncoder().encode(settings.secret);
  const options = {
    // Pinned: a token cannot choose its own algorithm (`none`, or another HMAC).
    algorithms: ['HS256'],
    // A token without an expiry would be valid forever.
    requiredClaims: ['exp', 'sub'],
    ...(settings.issuer === undefined ? {} : { issuer: settings.issuer }),
    ...(settings.audience === undefined ? {} : { audience: settings.audience }),
  };
  return async (req) => {
    const header = req.headers.authorization;
    if (typeof header !== 'string' || !header.startsWith(BEARER)) throw unauthenticated(false);
    let subject: unknown;
    try {
      ({
        payload: { sub: subject },
      } = await jwtVerify(header.slice(BEARER.length), key, options));
    } catch (error) {
      if (error instanceof errors.JOSEError) throw unauthenticated(true);
      throw error;
    }
    // The same rule as X-User-Id: the user id ends up in Redis keys and SQL parameters.
    const user = userIdHeader.safeParse(subject);
    if (!user.success) throw unauthenticated(true);
    return user.data;
  };
}

/** X-User-Id when AUTH_JWT_SECRET is not set (a demo: anyone may say who they are), else the JWT's `sub`. */
export function callerIdentity(config: ApiConfig): CallerIdentity {
  if (config.jwtSecret === undefined) return async (req) => userIdOf(req);
  return jwtIdentity({ secret: config.jwtSecret, issuer: config.jwtIssuer, audience: config.jwtAudience });
}
