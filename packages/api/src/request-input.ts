import type { Request } from 'express';
import type { z } from 'zod';
import { invalid, ProblemError } from './http-problem.ts';
import { admissionTokenHeader, idempotencyKeyHeader, userIdHeader } from './schemas.ts';

/**
 * One value of a header (`name` in lower case), or undefined when it is missing or sent more
 * than once (Node joins repeats with ', '). Read from rawHeaders: headersDistinct would build
 * every header's list for each request, a measurable cost on the claim path.
 */
function singleHeader(req: Request, name: string): string | undefined {
  const raw = req.rawHeaders;
  let found: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const header = raw[i] as string;
    if (header.length !== name.length || header.toLowerCase() !== name) continue;
    if (found !== undefined) return undefined;
    found = raw[i + 1] as string;
  }
  return found;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A header value's text. HTTP hands header bytes over as Latin-1; SeatGrid reads them as UTF-8
 * (what clients send), so "josé" stays "josé". Bytes that are not UTF-8: undefined.
 */
function utf8Header(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  // Plain ASCII (the common case) reads the same either way.
  if (!/[^\x00-\x7f]/.test(value)) return value;
  try {
    return utf8.decode(Buffer.from(value, 'latin1'));
  } catch {
    return undefined;
  }
}

/** The caller: the X-User-Id header (one, UTF-8, 1-128 characters, no control characters). */
export function userIdOf(req: Request): string {
  const parsed = userIdHeader.safeParse(utf8Header(singleHeader(req, 'x-user-id')));
  if (!parsed.success) throw invalid('X-User-Id', 'send one X-User-Id header of 1-128 UTF-8 characters, none of them control characters');
  return parsed.data;
}

/** The optional Idempotency-Key header (1-255 printable ASCII characters). */
export function idempotencyKeyOf(req: Request): string | undefined {
  if (req.headers['idempotency-key'] === undefined) return undefined;
  const parsed = idempotencyKeyHeader.safeParse(singleHeader(req, 'idempotency-key'));
  if (!parsed.success) throw invalid('Idempotency-Key', 'send at most one Idempotency-Key of 1-255 printable ASCII characters');
  return parsed.data;
}

/** The optional Admission-Token header (1-200 printable ASCII characters): a waiting room's admission. */
export function admissionTokenOf(req: Request): string | undefined {
  if (req.headers['admission-token'] === undefined) return undefined;
  const parsed = admissionTokenHeader.safeParse(singleHeader(req, 'admission-token'));
  if (!parsed.success) throw invalid('Admission-Token', 'send at most one Admission-Token of 1-200 printable ASCII characters');
  return parsed.data;
}

/** A path parameter, checked before it reaches any key or query. */
export function paramOf<T>(schema: z.ZodType<T>, req: Request, name: string): T {
  const parsed = schema.safeParse(req.params[name]);
  if (!parsed.success) throw invalid(name, parsed.error.issues[0]?.message ?? 'not a valid id');
  return parsed.data;
}

/** The JSON body express.json read, validated; the first issue names the field at fault. */
export function bodyOf<T>(schema: z.ZodType<T>, req: Request): T {
  if (!req.is('application/json')) throw new ProblemError('unsupported-media-type');
  return validBody(schema, req.body);
}

/** A parsed JSON body, validated; the first issue names the field at fault. */
export function validBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = mostSpecificIssue(parsed.error.issues);
    const field = issue === undefined || issue.path.length === 0 ? 'body' : issue.path.join('.');
    throw new ProblemError('unprocessable-input', { field, detail: issue?.message ?? 'not a valid body' });
  }
  return parsed.data;
}

/**
 * For a body that fits none of a union's shapes, zod reports one issue on the whole body;
 * the branch with the fewest issues is the shape the caller meant, and names the field.
 */
function mostSpecificIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue | undefined {
  const first = issues[0];
  if (first?.code !== 'invalid_union' || first.errors.length === 0) return first;
  const closest = first.errors.reduce((best, branch) => (branch.length < best.length ? branch : best));
  return mostSpecificIssue(closest) ?? first;
}
