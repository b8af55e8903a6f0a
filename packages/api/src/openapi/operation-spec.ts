import type { ProblemType } from '../problems.ts';
import type { ParameterName, requestBodySchemas } from './components.ts';

/**
 * An operation of the API as the OpenAPI document describes it. Each routes file exports the
 * specs of its own routes, beside them; the document is built from all of them.
 */
export type Method = 'get' | 'post' | 'delete';

export interface OperationSpec {
  readonly method: Method;
  /** OpenAPI path template. */
  readonly path: string;
  readonly operationId: string;
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  /** Requires the admin bearer token. */
  readonly admin?: boolean;
  /** Acts as a user: X-User-Id, or with JWT identity a bearer JWT. */
  readonly user?: boolean;
  /** A claim: accepts Idempotency-Key (and Admission-Token) and is rate limited per user and per client address. */
  readonly claim?: boolean;
  readonly body?: { readonly schema: keyof typeof requestBodySchemas; readonly description: string };
  /** Query and header parameters it reads, besides the path's and the caller's (components of that name). */
  readonly parameters?: readonly ParameterName[];
  /** The answers that are not problems. */
  readonly responses: Readonly<Record<string, object>>;
  /** The problem types it can answer with, besides `internal`, which any operation can. */
  readonly problems: readonly ProblemType[];
  /** What a problem type means here, when its title does not say it all. */
  readonly notes?: Partial<Record<ProblemType, string>>;
  /** Notes that read otherwise with JWT identity (no X-User-Id to get wrong). */
  readonly jwtNotes?: Partial<Record<ProblemType, string>>;
}

export type Notes = Partial<Record<ProblemType, string>>;

/** What every user operation adds with JWT identity. */
export const jwtProblem: ProblemType = 'unauthenticated';
export const jwtProblemNote = 'no valid bearer JWT: missing, malformed, forged, expired, not yet valid, or for another issuer or audience';
