// JWTs for the tests that run the API with AUTH_JWT_SECRET: good ones, and each kind of bad one.
import { randomUUID } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';

export const JWT_SECRET = 'test-jwt-secret-0123456789abcdef-0123456789';
export const JWT_ISSUER = 'https://id.seatgrid.test';
export const JWT_AUDIENCE = 'seatgrid-api';

/** The environment that turns JWT identity on, with issuer and audience checks. */
export const JWT_ENV = Object.freeze({ AUTH_JWT_SECRET: JWT_SECRET, AUTH_JWT_ISSUER: JWT_ISSUER, AUTH_JWT_AUDIENCE: JWT_AUDIENCE });

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
export const nowSeconds = () => Math.floor(Date.now() / 1_000);

export interface TokenOptions {
  /** Claims to set or, with undefined, to leave out (iss, aud, exp, sub default to valid ones). */
  readonly claims?: Readonly<Record<string, unknown>>;
  readonly secret?: string;
  readonly alg?: 'HS256' | 'HS384' | 'HS512';
}

/** A signed JWT for `sub`, valid for five minutes unless `options` say otherwise. */
export async function signToken(sub: unknown, options: TokenOptions = {}): Promise<string> {
  const claims: Record<string, unknown> = {
    iss: JWT_ISSUER,
    aud: JWT_AUDIENCE,
    sub,
    iat: nowSeconds(),
    exp: nowSeconds() + 300,
    ...options.claims,
  };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  return new SignJWT(claims as JWTPayload)
    .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(options.secret ?? JWT_SECRET));
}

/** An unsecured JWT (`alg: none`, empty signature) claiming to be `sub`. */
export function unsignedToken(sub: string): string {
  const payload = { iss: JWT_ISSUER, aud: JWT_AUDIENCE, sub, exp: nowSeconds() + 300 };
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.`;
}

/** A valid token's header and payload with the signature of another token: a forgery. */
export async function forgedToken(sub: string): Promise<string> {
  const [header, payload] = (await signToken(sub)).split('.');
  const [, , signature] = (await signToken(`someone-else-${randomUUID()}`)).split('.');
  return `${header}.${payload}.${signature}`;
}

/** A fresh user called `name`: its id and the Authorization header that proves it. */
/** A test user and the headers that say who they are. */
export interface Caller {
  readonly id: string;
  readonly headers: Record<string, string>;
}

export async function tokenUser(name: string): Promise<Caller> {
  const id = `${name}-${randomUUID().slice(0, 8)}`;
  return { id, headers: { authorization: `Bearer ${await signToken(id)}` } };
}

/** The two ways a caller is identified: the server's environment for each, and how to make a caller. */
export const IDENTITY_MODES = {
  'X-User-Id': {
    env: {},
    caller: async (name: string): Promise<Caller> => {
      const id = `${name}-${randomUUID().slice(0, 8)}`;
      return { id, headers: { 'x-user-id': id } };
    },
  },
  JWT: { env: JWT_ENV, caller: tokenUser },
} as const;
