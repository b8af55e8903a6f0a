import packageJson from '../../package.json' with { type: 'json' };
import type { IdentityScheme } from '../caller-identity.ts';
import { problemTypes, problemUri, type ProblemType } from '../problems.ts';
import {
  componentSchemas,
  headerComponents,
  headerRef,
  json,
  parameterComponents,
  pathParameters,
  rateLimitHeaders,
  ref,
  retryAfter,
} from './components.ts';
import { jwtProblem, jwtProblemNote, type Notes, type OperationSpec } from './operation-spec.ts';

/** The OpenAPI 3.1 document of the API, built from the operation specs the routes files export. */
function problemResponses(spec: OperationSpec, identity: IdentityScheme): Record<string, object> {
  const jwt = identity === 'jwt' && spec.user === true;
  const problems = jwt ? [...spec.problems, jwtProblem] : spec.problems;
  const notes: Notes = jwt ? { ...spec.notes, ...spec.jwtNotes, [jwtProblem]: jwtProblemNote } : (spec.notes ?? {});
  const byStatus = new Map<number, ProblemType[]>();
  for (const type of [...problems, 'internal' as const]) {
    const { status } = problemTypes[type];
    byStatus.set(status, [...(byStatus.get(status) ?? []), type]);
  }
  const responses: Record<string, object> = {};
  for (const [status, types] of [...byStatus].sort(([a], [b]) => a - b)) {
    const lines = types.map((type) => {
      const note = notes[type];
      return `- \`${type}\` (${problemUri(type)}): ${problemTypes[type].title}${note === undefined ? '' : ` (${note})`}`;
    });
    const responseHeaders = {
      ...(status === 429 || status === 503 || types.includes('idempotency-in-flight') ? retryAfter : {}),
      ...(status === 429 && spec.claim === true ? rateLimitHeaders : {}),
      ...(status === 401 ? { 'WWW-Authenticate': headerRef('WwwAuthenticate') } : {}),
    };
    responses[status] = {
      description: `Problem types:\n${lines.join('\n')}`,
      ...(Object.keys(responseHeaders).length > 0 ? { headers: responseHeaders } : {}),
      content: {
        'application/problem+json': {
          schema: ref('Problem'),
          examples: Object.fromEntries(
            types.map((type) => [
              type,
              { summary: problemTypes[type].title, value: { type: problemUri(type), title: problemTypes[type].title, status } },
            ]),
          ),
        },
      },
    };
  }
  return responses;
}

function operation(spec: OperationSpec, identity: IdentityScheme): object {
  const pathParams = [...spec.path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => {
    const component = name === undefined ? undefined : pathParameters[name];
    if (component === undefined) throw new Error(`openapi: no parameter component for {${name}} in ${spec.path}`);
    return { $ref: `#/components/parameters/${component}` };
  });
  const params = [
    ...pathParams,
    ...(spec.user === true && identity === 'x-user-id' ? [{ $ref: '#/components/parameters/UserId' }] : []),
    ...(spec.claim === true
      ? [{ $ref: '#/components/parameters/IdempotencyKey' }, { $ref: '#/components/parameters/AdmissionToken' }]
      : []),
    ...(spec.parameters ?? []).map((name) => ({ $ref: `#/components/parameters/${name}` })),
  ];
  return {
    operationId: spec.operationId,
    tags: [spec.tag],
    summary: spec.summary,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    ...(spec.admin === true ? { security: [{ adminToken: [] }] } : {}),
    ...(spec.user === true && identity === 'jwt' ? { security: [{ userToken: [] }] } : {}),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(spec.body === undefined
      ? {}
      : { requestBody: { required: true, description: spec.body.description, content: json(ref(spec.body.schema)) } }),
    responses: { ...spec.responses, ...problemResponses(spec, identity) },
  };
}

function build(identity: IdentityScheme, operations: readonly OperationSpec[]): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const spec of operations) {
    paths[spec.path] ??= {};
    const item = paths[spec.path] as Record<string, object>;
    if (item[spec.method] !== undefined) throw new Error(`openapi: ${spec.method} ${spec.path} twice`);
    item[spec.method] = operation(spec, identity);
  }
  const document = {
    openapi: '3.1.0',
    info: {
      title: 'SeatGrid API',
      version: packageJson.version,
      description:
        'Events, seat maps, holds and bookings. Seats are 1-based { row, col }. Claims take every seat they name or ' +
        'none. Every error is application/problem+json (RFC 9457) whose `type` is ' +
        `${problemUri('not-found').replace(/not-found$/, '<problem type>')}; ` +
        'an unknown path answers 404 `not-found`. ' +
        (identity === 'jwt'
          ? 'The caller is the `sub` of an HS256 JWT sent as Authorization: Bearer (X-User-Id is ignored).'
          : 'The caller is the X-User-Id header (the server can be set to take a bearer JWT instead).'),
    },
    tags: [
      { name: 'events', description: 'Events and their seat maps.' },
      { name: 'holds', description: 'Seats held for a while, then confirmed (bought) or released.' },
      { name: 'bookings', description: 'Seats bought in one step, and cancelled.' },
      { name: 'waitlist', description: 'Waiting for seats that are freed: offered in arrival order (admission strategy).' },
      { name: 'waiting-room', description: 'Queueing before an on-sale: admissions first come first served (admission strategy).' },
      { name: 'operations', description: 'Health, readiness, metrics and this document.' },
    ],
    paths,
    components: {
      schemas: componentSchemas(),
      parameters: parameterComponents(identity),
      headers: headerComponents(),
      securitySchemes: {
        adminToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'The admin token (ADMIN_TOKEN), a static secret and not a JWT: creating events, and nothing else.',
        },
        ...(identity === 'jwt'
          ? {
              userToken: {
                type: 'http',
                scheme: 'bearer',
                bearerFormat: 'JWT',
                description:
                  'A JWT signed with HS256 (AUTH_JWT_SECRET) whose `sub` is the caller; `exp` is required, `nbf` honoured, ' +
                  'and `iss` / `aud` checked when the server is configured with them. Never the admin token.',
              },
            }
          : {}),
      },
    },
  };
  // A plain JSON tree: nothing shared with zod, nothing that would not serialize.
  return deepFreeze(JSON.parse(JSON.stringify(document)) as object);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

const built = new WeakMap<readonly OperationSpec[], Map<IdentityScheme, object>>();

/** The OpenAPI 3.1.0 document of these operations for one identity scheme, built once and deeply frozen. */
export function openApiDocument(operations: readonly OperationSpec[], identity: IdentityScheme): object {
  const byIdentity = built.get(operations) ?? new Map<IdentityScheme, object>();
  built.set(operations, byIdentity);
  let document = byIdentity.get(identity);
  if (document === undefined) {
    document = build(identity, operations);
    byIdentity.set(identity, document);
  }
  return document;
}
