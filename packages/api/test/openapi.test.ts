import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import type { Express, Request } from 'express';
import { createSeatGrid } from '@seatgrid/admission';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { createApp } from '../src/app.ts';
import type { AppDependencies, Readiness } from '../src/app-dependencies.ts';
import { loadConfig } from '../src/config.ts';
import { apiDocument } from '../src/openapi/api-document.ts';
import { componentSources } from '../src/openapi/components.ts';
import { problemTypes, problemUri, type ProblemType } from '../src/problems.ts';
import { admissionTokenOf, idempotencyKeyOf, userIdOf } from '../src/request-input.ts';
import { JWT_ENV } from './jwt-tokens.ts';

// The document, read through just enough types to walk it.
interface MediaType {
  readonly schema?: unknown;
  readonly examples?: Readonly<Record<string, { readonly value: unknown }>>;
}
interface ResponseObject {
  readonly description: string;
  readonly headers?: Readonly<Record<string, unknown>>;
  readonly content?: Readonly<Record<string, MediaType>>;
}
interface Parameter {
  readonly name: string;
  readonly in: string;
  readonly required?: boolean;
  readonly schema: unknown;
}
interface Operation {
  readonly operationId: string;
  readonly summary?: string;
  readonly parameters?: readonly unknown[];
  readonly requestBody?: { readonly required?: boolean; readonly content: Readonly<Record<string, MediaType>> };
  readonly responses: Readonly<Record<string, ResponseObject>>;
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
}
interface OpenApi {
  readonly openapi: string;
  readonly info: { readonly title: string; readonly version: string };
  readonly paths: Readonly<Record<string, Readonly<Record<string, Operation>>>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, Record<string, unknown>>>;
    readonly securitySchemes: Readonly<Record<string, { readonly type: string; readonly scheme?: string }>>;
  };
}

const doc = apiDocument() as OpenApi;
const httpMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function must<T>(value: T | undefined, what: string): T {
  assert.ok(value !== undefined, `missing: ${what}`);
  return value;
}

/** Resolves a local JSON pointer (#/a/b) in the document. */
function resolvePointer(ref: string): unknown {
  assert.ok(ref.startsWith('#/'), `not a local $ref: ${ref}`);
  let node: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    assert.ok(typeof node === 'object' && node !== null && Object.hasOwn(node, key), `$ref ${ref} does not resolve`);
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function deref<T>(node: unknown): T {
  const ref = (node as { $ref?: unknown }).$ref;
  return (typeof ref === 'string' ? resolvePointer(ref) : node) as T;
}

function operations(): { method: string; path: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => httpMethods.includes(method))
      .map(([method, op]) => ({ method, path, op })),
  );
}

function op(method: string, path: string): Operation {
  return must(doc.paths[path]?.[method], `${method} ${path}`);
}

function parametersOf(operation: Operation): Parameter[] {
  return (operation.parameters ?? []).map((p) => deref<Parameter>(p));
}

function isProblemResponse(response: ResponseObject): boolean {
  return response.content?.['application/problem+json'] !== undefined;
}

/**
 * A JSON Schema 2020-12 validator for the keywords zod emits here, and no more: any other
 * keyword fails the test, so an unknown keyword can never pass unchecked. (No validator
 * package is installed; see the report.) `format` is an annotation in 2020-12.
 */
const annotationKeywords = new Set(['description', 'title', 'format', 'examples', 'default']);

function schemaErrors(schema: unknown, value: unknown, at = '$'): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${at}: nothing is allowed here`];
  assert.ok(typeof schema === 'object' && schema !== null, `${at}: a schema must be an object`);
  const s = schema as Record<string, unknown>;
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  const object = value as Record<string, unknown>;
  const errors: string[] = [];
  for (const [keyword, arg] of Object.entries(s)) {
    switch (keyword) {
      case '$ref':
        errors.push(...schemaErrors(resolvePointer(arg as string), value, at));
        break;
      case 'type': {
        const types = Array.isArray(arg) ? (arg as string[]) : [arg as string];
        const ok = types.some((type) => {
          switch (type) {
            case 'object':
              return isObject;
            case 'array':
              return Array.isArray(value);
            case 'string':
              return typeof value === 'string';
            case 'boolean':
              return typeof value === 'boolean';
            case 'null':
              return value === null;
            case 'number':
              return typeof value === 'number' && Number.isFinite(value);
            case 'integer':
              return Number.isInteger(value);
            default:
              throw new Error(`validator: unknown type ${type}`);
          }
        });
        if (!ok) errors.push(`${at}: not of type ${types.join('|')}`);
        break;
      }
      case 'properties':
        if (isObject) {
          for (const [name, sub] of Object.entries(arg as Record<string, unknown>)) {
            if (Object.hasOwn(object, name)) errors.push(...schemaErrors(sub, object[name], `${at}.${name}`));
          }
        }
        break;
      case 'required':
        if (isObject) for (const name of arg as string[]) if (!Object.hasOwn(object, name)) errors.push(`${at}.${name}: required`);
        break;
      case 'additionalProperties':
        if (isObject) {
          const known = Object.keys((s.properties ?? {}) as object);
          for (const name of Object.keys(object)) {
            if (!known.includes(name)) errors.push(...schemaErrors(arg, object[name], `${at}.${name}`));
          }
        }
        break;
      case 'items':
        if (Array.isArray(value)) for (const [i, item] of value.entries()) errors.push(...schemaErrors(arg, item, `${at}[${i}]`));
        break;
      case 'minItems':
        if (Array.isArray(value) && value.length < (arg as number)) errors.push(`${at}: fewer than ${arg} items`);
        break;
      case 'maxItems':
        if (Array.isArray(value) && value.length > (arg as number)) errors.push(`${at}: more than ${arg} items`);
        break;
      case 'minimum':
        if (typeof value === 'number' && value < (arg as number)) errors.push(`${at}: below ${arg}`);
        break;
      case 'maximum':
        if (typeof value === 'number' && value > (arg as number)) errors.push(`${at}: above ${arg}`);
        break;
      case 'exclusiveMinimum':
        if (typeof value === 'number' && value <= (arg as number)) errors.push(`${at}: not above ${arg}`);
        break;
      case 'minLength':
        if (typeof value === 'string' && [...value].length < (arg as number)) errors.push(`${at}: shorter than ${arg}`);
        break;
      case 'maxLength':
        if (typeof value === 'string' && [...value].length > (arg as number)) errors.push(`${at}: longer than ${arg}`);
        break;
      case 'pattern':
        if (typeof value === 'string' && !new RegExp(arg as string, 'u').test(value)) errors.push(`${at}: does not match ${arg}`);
        break;
      case 'const':
        if (!isDeepStrictEqual(value, arg)) errors.push(`${at}: not ${JSON.stringify(arg)}`);
        break;
      case 'enum':
        if (!(arg as unknown[]).some((member) => isDeepStrictEqual(value, member))) errors.push(`${at}: not one of the enum`);
        break;
      case 'anyOf':
        if (!(arg as unknown[]).some((sub) => schemaErrors(sub, value, at).length === 0)) errors.push(`${at}: matches no anyOf branch`);
        break;
      default:
        if (!annotationKeywords.has(keyword)) throw new Error(`validator: unsupported keyword "${keyword}" at ${at}`);
    }
  }
  return errors;
}

const component = (name: string) => must(doc.components.schemas[name], `component ${name}`);
/** The JSON pointers of every object or array in `root` that is not frozen. */
function unfrozenPaths(root: unknown): string[] {
  const unfrozen: string[] = [];
  (function walk(node: unknown, at: string): void {
    if (typeof node !== 'object' || node === null) return;
    if (!Object.isFrozen(node)) unfrozen.push(at);
    for (const [key, child] of Object.entries(node)) walk(child, `${at}/${key}`);
  })(root, '#');
  return unfrozen;
}

const accepts = (schema: unknown, value: unknown) => schemaErrors(schema, value).length === 0;

/** The problem types each operation can answer with (besides `internal`, which any can), per the API's design. */
const claimProblems: ProblemType[] = [
  'invalid-input',
  'event-not-found',
  'seats-taken',
  'sold-out',
  'not-enough-seats',
  'no-adjacent-block',
  'user-limit',
  'admission-required',
  'idempotency-in-flight',
  'payload-too-large',
  'unsupported-media-type',
  'unprocessable-input',
  'idempotency-mismatch',
  'rate-limited',
  'unavailable',
];
const entryProblems: ProblemType[] = ['invalid-input', 'waitlist-entry-not-found', 'admission-strategy-required', 'unavailable'];
const expectedProblems: Readonly<Record<string, readonly ProblemType[]>> = {
  'post /events': [
    'invalid-input',
    'unauthorized',
    'payload-too-large',
    'unsupported-media-type',
    'unprocessable-input',
    'admission-strategy-required',
    'unavailable',
  ],
  'get /events/{eventId}': ['invalid-input', 'event-not-found', 'unavailable'],
  'get /events/{eventId}/seats': ['invalid-input', 'event-not-found', 'unavailable'],
  'post /events/{eventId}/holds': claimProblems,
  'post /holds/{holdId}/confirm': ['invalid-input', 'payment-declined', 'hold-not-found', 'wrong-state', 'hold-expired', 'unavailable'],
  'delete /holds/{holdId}': ['invalid-input', 'hold-not-found', 'wrong-state', 'hold-expired', 'unavailable'],
  'post /events/{eventId}/bookings': claimProblems,
  'delete /bookings/{bookingId}': ['invalid-input', 'hold-not-found', 'wrong-state', 'hold-expired', 'unavailable'],
  'post /holds/{holdId}/extend': ['invalid-input', 'hold-not-found', 'extension-limit', 'wrong-state', 'hold-expired', 'unavailable'],
  'post /events/{eventId}/waitlist': [
    'invalid-input',
    'event-not-found',
    'already-waiting',
    'user-limit',
    'admission-strategy-required',
    'payload-too-large',
    'unsupported-media-type',
    'unprocessable-input',
    'unavailable',
  ],
  'get /waitlist/{entryId}': entryProblems,
  'delete /waitlist/{entryId}': [...entryProblems, 'waitlist-entry-closed'],
  'post /events/{eventId}/queue': ['invalid-input', 'event-not-found', 'no-waiting-room', 'admission-strategy-required', 'unavailable'],
  'get /queue/{ticket}': ['invalid-input', 'ticket-not-found', 'admission-strategy-required', 'unavailable'],
  'get /metrics': [],
  'get /healthz': [],
  'get /readyz': [],
  'get /openapi.json': [],
  'get /events': ['invalid-input', 'unavailable'],
  'get /holds/{holdId}': ['invalid-input', 'hold-not-found', 'unavailable'],
  'get /bookings/{bookingId}': ['invalid-input', 'hold-not-found', 'unavailable'],
  'get /events/{eventId}/seats/stream': ['invalid-input', 'event-not-found', 'stream-needs-admission', 'too-many-streams', 'unavailable'],
};
const claimOperations = ['post /events/{eventId}/holds', 'post /events/{eventId}/bookings'];
const readBackOperations = ['get /holds/{holdId}', 'get /bookings/{bookingId}'];
const userOperations = [
  ...claimOperations,
  'post /holds/{holdId}/confirm',
  'post /holds/{holdId}/extend',
  'delete /holds/{holdId}',
  'delete /bookings/{bookingId}',
  'post /events/{eventId}/waitlist',
  'get /waitlist/{entryId}',
  'delete /waitlist/{entryId}',
  'post /events/{eventId}/queue',
  'get /queue/{ticket}',
  ...readBackOperations,
];

describe('a) the document is well formed', () => {
  test('it is OpenAPI 3.1.0, built once and deeply frozen', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(typeof doc.info.title, 'string');
    assert.match(doc.info.version, /^\d+\.\d+\.\d+/);
    assert.equal(apiDocument(), doc);
    assert.deepEqual(unfrozenPaths(doc), []);
    assert.deepEqual(JSON.parse(JSON.stringify(doc)), doc, 'plain JSON');
  });

  test('every $ref is local and resolves', () => {
    const refs: string[] = [];
    (function walk(node: unknown): void {
      if (typeof node !== 'object' || node === null) return;
      const ref = (node as { $ref?: unknown }).$ref;
      if (ref !== undefined) {
        assert.equal(typeof ref, 'string');
        refs.push(ref as string);
      }
      for (const child of Object.values(node)) walk(child);
    })(doc);
    assert.ok(refs.length > 20, 'the document refers to its components');
    for (const ref of refs) resolvePointer(ref);
  });

  test('component schemas are bare 2020-12 schemas: no $schema or $id of their own', () => {
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      assert.equal(schema.$schema, undefined, name);
      assert.equal(schema.$id, undefined, name);
    }
    assert.deepEqual(Object.keys(doc.components.schemas).sort(), Object.keys(componentSources).sort());
  });

  test('every operation has a unique operationId, a summary and described responses', () => {
    const ids = new Set<string>();
    for (const { method, path, op: operation } of operations()) {
      assert.ok(!ids.has(operation.operationId), `duplicate operationId ${operation.operationId}`);
      ids.add(operation.operationId);
      assert.ok(operation.summary, `${method} ${path}: summary`);
      const statuses = Object.keys(operation.responses);
      assert.ok(
        statuses.some((s) => s.startsWith('2')),
        `${method} ${path}: a 2xx response`,
      );
      for (const [status, response] of Object.entries(operation.responses)) {
        assert.match(status, /^[1-5]\d\d$/);
        assert.ok(response.description.length > 0, `${method} ${path} ${status}: description`);
      }
    }
    assert.deepEqual(
      operations()
        .map(({ method, path }) => `${method} ${path}`)
        .sort(),
      Object.keys(expectedProblems).sort(),
    );
  });

  test('path templates and path parameters agree; ids have the schemas.ts pattern', () => {
    for (const { method, path, op: operation } of operations()) {
      const inTemplate = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const inParams = parametersOf(operation).filter((p) => p.in === 'path');
      assert.deepEqual(inParams.map((p) => p.name).sort(), inTemplate.sort(), `${method} ${path}`);
      for (const p of inParams) {
        assert.equal(p.required, true);
        assert.deepEqual(p.schema, { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' });
      }
    }
  });

  test('every error response is application/problem+json with the Problem schema and a status from problems.ts', () => {
    const problemStatuses = new Set<number>(Object.values(problemTypes).map((p) => p.status));
    for (const { method, path, op: operation } of operations()) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue;
        if (method === 'get' && path === '/readyz' && status === '503') {
          assert.equal(deref(must(response.content?.['application/json']?.schema, 'readyz 503')), component('Readiness'));
          continue;
        }
        const where = `${method} ${path} ${status}`;
        assert.deepEqual(Object.keys(response.content ?? {}), ['application/problem+json'], where);
        assert.ok(problemStatuses.has(Number(status)), `${where}: not a status of problems.ts`);
        const media = must(response.content?.['application/problem+json'], where);
        assert.deepEqual(media.schema, { $ref: '#/components/schemas/Problem' }, where);
        const examples = Object.entries(media.examples ?? {});
        assert.ok(examples.length > 0, `${where}: examples`);
        for (const [type, example] of examples) {
          const problem = must(problemTypes[type as ProblemType], `${where}: problem type ${type}`);
          assert.equal(problem.status, Number(status), `${where}: ${type} is a ${problem.status}`);
          assert.deepEqual(example.value, { type: problemUri(type as ProblemType), title: problem.title, status: problem.status });
          assert.ok(response.description.includes(`\`${type}\``), `${where}: the description names ${type}`);
          assert.ok(response.description.includes(problemUri(type as ProblemType)), `${where}: the description gives its URI`);
          assert.deepEqual(schemaErrors(component('Problem'), example.value), [], `${where}: ${type} example`);
          assert.ok(z.safeParse(must(componentSources.Problem, 'Problem').schema, example.value).success);
        }
      }
    }
  });

  test('each operation lists the problem types it can answer with, grouped by status', () => {
    for (const [key, types] of Object.entries(expectedProblems)) {
      const [method = '', path = ''] = key.split(' ');
      const expected = new Map<string, string[]>();
      for (const type of [...types, 'internal' as const]) {
        const status = String(problemTypes[type].status);
        expected.set(status, [...(expected.get(status) ?? []), type].sort());
      }
      const actual = new Map<string, string[]>();
      for (const [status, response] of Object.entries(op(method, path).responses)) {
        if (isProblemResponse(response)) {
          actual.set(status, Object.keys(response.content?.['application/problem+json']?.examples ?? {}).sort());
        }
      }
      assert.deepEqual(actual, expected, key);
    }
  });

  test('POST /events, and only it, needs the admin bearer token', () => {
    const scheme = must(doc.components.securitySchemes.adminToken, 'adminToken');
    assert.equal(scheme.type, 'http');
    assert.equal(scheme.scheme, 'bearer');
    for (const { method, path, op: operation } of operations()) {
      const expected = method === 'post' && path === '/events' ? [{ adminToken: [] }] : undefined;
      assert.deepEqual(operation.security, expected, `${method} ${path}`);
    }
  });

  test('request bodies: CreateEventRequest, ClaimRequest and WaitlistJoinRequest, required JSON', () => {
    const bodies = Object.fromEntries(
      operations()
        .filter(({ op: operation }) => operation.requestBody !== undefined)
        .map(({ method, path, op: operation }) => [`${method} ${path}`, operation.requestBody]),
    );
    const body = (name: string) => ({
      required: true,
      content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } },
    });
    for (const [key, requestBody] of Object.entries(bodies)) {
      const { description: _description, ...rest } = requestBody as { description?: string };
      const expected =
        key === 'post /events' ? 'CreateEventRequest' : key === 'post /events/{eventId}/waitlist' ? 'WaitlistJoinRequest' : 'ClaimRequest';
      assert.deepEqual(rest, body(expected), key);
    }
    assert.deepEqual(Object.keys(bodies).sort(), ['post /events', 'post /events/{eventId}/waitlist', ...claimOperations].sort());
  });

  test('X-User-Id is required on user endpoints; Idempotency-Key and Admission-Token optional on claims', () => {
    for (const { method, path, op: operation } of operations()) {
      const key = `${method} ${path}`;
      const headers = parametersOf(operation).filter((p) => p.in === 'header');
      const userId = headers.find((p) => p.name === 'X-User-Id');
      const idempotencyKey = headers.find((p) => p.name === 'Idempotency-Key');
      const admissionToken = headers.find((p) => p.name === 'Admission-Token');
      if (userOperations.includes(key)) {
        assert.equal(must(userId, `${key}: X-User-Id`).required, true);
        // 1-128 characters, none of them a control character (C0, DEL or C1).
        assert.deepEqual(userId?.schema, { type: 'string', pattern: '^[^\\u0000-\\u001f\\u007f-\\u009f]{1,128}$' });
      } else {
        assert.equal(userId, undefined, key);
      }
      if (claimOperations.includes(key)) {
        assert.equal(must(idempotencyKey, `${key}: Idempotency-Key`).required, false);
        assert.deepEqual(idempotencyKey?.schema, { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' });
        assert.equal(must(admissionToken, `${key}: Admission-Token`).required, false);
        assert.deepEqual(admissionToken?.schema, { type: 'string', pattern: '^[\\x21-\\x7e]{1,200}$' });
      } else {
        assert.equal(idempotencyKey, undefined, key);
        assert.equal(admissionToken, undefined, key);
      }
    }
  });

  test('the header schemas accept exactly what request-input.ts accepts', () => {
    const userIdSchema = must(
      parametersOf(op('post', '/events/{eventId}/holds')).find((p) => p.name === 'X-User-Id'),
      'X-User-Id',
    ).schema;
    const keySchema = must(
      parametersOf(op('post', '/events/{eventId}/holds')).find((p) => p.name === 'Idempotency-Key'),
      'Idempotency-Key',
    ).schema;
    // As Node hands a header over: the client's UTF-8 bytes, each read as one Latin-1 character.
    const onTheWire = (value: string) => Buffer.from(value, 'utf8').toString('latin1');
    const request = (sent: Record<string, string>) => {
      const headers = Object.fromEntries(Object.entries(sent).map(([name, value]) => [name, onTheWire(value)]));
      return { headers, rawHeaders: Object.entries(headers).flat() } as unknown as Request;
    };
    const verdict = (read: () => unknown) => {
      try {
        read();
        return true;
      } catch {
        return false;
      }
    };
    const userIds = [
      'alice',
      'a',
      'a'.repeat(128),
      'a'.repeat(129),
      '',
      'alice bob',
      'tab\there',
      'del\x7f',
      'nul\x00',
      'nel\u0085',
      'zoë',
      '~!@#',
    ];
    for (const value of userIds) {
      assert.equal(
        accepts(userIdSchema, value),
        verdict(() => userIdOf(request({ 'x-user-id': value }))),
        `X-User-Id ${JSON.stringify(value)}`,
      );
    }
    const tokenSchema = must(
      parametersOf(op('post', '/events/{eventId}/holds')).find((p) => p.name === 'Admission-Token'),
      'Admission-Token',
    ).schema;
    for (const value of ['t-1.abc', 'x'.repeat(200), 'x'.repeat(201), '', 'a b', 'é', 'tab\t']) {
      assert.equal(
        accepts(tokenSchema, value),
        verdict(() => admissionTokenOf(request({ 'admission-token': value }))),
        `Admission-Token ${JSON.stringify(value)}`,
      );
    }
    const keys = ['order-7f3a', 'x', 'x'.repeat(255), 'x'.repeat(256), '', 'has space', 'tab\t', 'é', '~!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}'];
    for (const value of keys) {
      assert.equal(
        accepts(keySchema, value),
        verdict(() => idempotencyKeyOf(request({ 'idempotency-key': value }))),
        `Idempotency-Key ${JSON.stringify(value)}`,
      );
    }
  });

  test('429 and 503 document Retry-After; claim successes (and 429s) document the RateLimit headers', () => {
    const rateLimit = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'];
    for (const { method, path, op: operation } of operations()) {
      const key = `${method} ${path}`;
      for (const [status, response] of Object.entries(operation.responses)) {
        const headers = Object.keys(response.headers ?? {});
        if (status === '429' || status === '503') assert.ok(headers.includes('Retry-After'), `${key} ${status}: Retry-After`);
        if (claimOperations.includes(key) && (status.startsWith('2') || status === '429')) {
          for (const name of rateLimit) assert.ok(headers.includes(name), `${key} ${status}: ${name}`);
        }
        for (const header of Object.values(response.headers ?? {})) {
          const { schema } = deref<{ schema: unknown }>(header);
          assert.ok(schema !== undefined);
        }
      }
    }
    for (const name of rateLimit) {
      const header = deref<{ schema: unknown }>(must(op('post', '/events/{eventId}/holds').responses['201']?.headers?.[name], name));
      assert.deepEqual(header.schema, { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
    }
  });
});

/** Lists an Express 5 app's routes: app.router.stack, recursing into mounted routers (router 2.x). */
interface RouterLayer {
  readonly route?: { readonly path: unknown; readonly methods: Readonly<Record<string, boolean | undefined>> };
  readonly handle: { readonly stack?: readonly RouterLayer[] };
  /** The path given to use() or route() (router >= 2.3). */
  readonly rawPath?: unknown;
}

function appRoutes(app: Express): string[] {
  const routes: string[] = [];
  (function walk(stack: readonly RouterLayer[], prefix: string): void {
    for (const layer of stack) {
      if (layer.route !== undefined) {
        const { path, methods } = layer.route;
        assert.equal(typeof path, 'string', `a route path that is not a string: ${String(path)}`);
        assert.doesNotMatch(path as string, /[*?(){}]/, `a route path the test cannot map to OpenAPI: ${String(path)}`);
        const template = `${prefix}${path as string}`.replace(/:([A-Za-z_$][\w$]*)/g, '{$1}');
        for (const [method, on] of Object.entries(methods)) {
          assert.notEqual(method, '_all', `${template}: .all() cannot be documented`);
          if (on === true) routes.push(`${method} ${template}`);
        }
      } else if (Array.isArray(layer.handle.stack)) {
        assert.equal(typeof layer.rawPath, 'string', 'a mounted router whose mount path is unknown');
        const mount = layer.rawPath === '/' ? '' : (layer.rawPath as string);
        walk(layer.handle.stack, `${prefix}${mount}`);
      }
    }
  })((app.router as unknown as { stack: readonly RouterLayer[] }).stack, '');
  // A route may be served in steps (a claim's is: before its body is read, and after).
  return [...new Set(routes)].sort();
}

/** A dependency the tests here must never call (reading its methods is fine: `deps.grid.seatMap(...)` does before it checks the id). */
function unused<T>(name: string): T {
  return new Proxy(
    {},
    {
      get(_target, property) {
        if (property === 'then' || typeof property === 'symbol') return undefined;
        return () => {
          throw new Error(`the OpenAPI test called deps.${name}.${property}`);
        };
      },
    },
  ) as T;
}

describe('b) the app serves what the document says', () => {
  let app: Express;
  let base = '';
  let close: () => Promise<void> = async () => {};
  let readiness: Readiness = {
    ready: true,
    strategy: 'admission',
    postgres: 'up',
    redis: 'up',
    breaker: 'closed',
    redisEvictionPolicy: 'noeviction',
    redisEvictionSafe: true,
  };

  // The library's metrics on the app's registry, from a grid nothing here calls (it opens no connection).
  const registry = new Registry();
  const metricsSource = createSeatGrid({
    strategy: 'optimistic',
    database: { connectionString: loadConfig({}).databaseUrl, max: 1 },
    metrics: { registry },
    sweeper: false,
  });
  after(() => metricsSource.close());

  before(async () => {
    const deps: AppDependencies = {
      config: loadConfig({}),
      grid: unused('grid'),
      registry,
      logger: pino({ level: 'silent' }),
      rateLimiter: unused('rateLimiter'),
      payment: unused('payment'),
      readiness: async () => readiness,
    };
    app = createApp(deps);
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  });
  after(() => close());

  test("the app's routes are exactly the document's paths and methods", () => {
    const documented = operations()
      .map(({ method, path }) => `${method} ${path}`)
      .sort();
    assert.deepEqual(appRoutes(app), documented);
    // router >= 2.3 lists its routes itself: the same answer by another road.
    const listRoutes = (
      app.router as unknown as { listRoutes?: () => { path: unknown; methods?: string[]; router?: { listRoutes(): unknown[] } }[] }
    ).listRoutes;
    if (typeof listRoutes === 'function') {
      const listed: string[] = [];
      for (const entry of listRoutes.call(app.router)) {
        const entries = entry.router === undefined ? [entry] : (entry.router.listRoutes() as (typeof entry)[]);
        for (const route of entries) {
          for (const method of route.methods ?? []) {
            if (method === 'HEAD' && !(route.methods ?? []).includes('GET')) assert.fail(`${String(route.path)}: HEAD`);
            if (method !== 'HEAD') listed.push(`${method.toLowerCase()} ${String(route.path).replace(/:([A-Za-z_$][\w$]*)/g, '{$1}')}`);
          }
        }
      }
      assert.deepEqual([...new Set(listed)].sort(), documented);
    }
  });

  /** Checks one live answer against the document: a documented status, media type and body. */
  async function answers(
    method: string,
    template: string,
    url: string,
    init: RequestInit = {},
  ): Promise<{ status: number; body: unknown; headers: Headers }> {
    const res = await fetch(`${base}${url}`, { method: method.toUpperCase(), ...init });
    const text = await res.text();
    const operation = op(method, template);
    const response = must(
      operation.responses[String(res.status)],
      `${method} ${template}: status ${res.status} is not documented (${text})`,
    );
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
    if (response.content === undefined) {
      assert.equal(text, '', `${method} ${url}: no body documented`);
      return { status: res.status, body: undefined, headers: res.headers };
    }
    const media = must(response.content[mediaType], `${method} ${template} ${res.status}: ${mediaType} is not documented`);
    const body: unknown = mediaType.endsWith('json') ? JSON.parse(text) : text;
    assert.deepEqual(schemaErrors(media.schema, body), [], `${method} ${url} ${res.status}: ${text}`);
    return { status: res.status, body, headers: res.headers };
  }

  test('GET /openapi.json serves this document', async () => {
    const { status, body } = await answers('get', '/openapi.json', '/openapi.json');
    assert.equal(status, 200);
    assert.deepEqual(body, doc);
  });

  test('GET /healthz, /readyz (ready and not) and /metrics', async () => {
    assert.equal((await answers('get', '/healthz', '/healthz')).status, 200);
    assert.equal((await answers('get', '/readyz', '/readyz')).status, 200);
    readiness = { ...readiness, ready: false, postgres: 'down' };
    assert.equal((await answers('get', '/readyz', '/readyz')).status, 503);
    const metrics = await answers('get', '/metrics', '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.body as string, /seatgrid_/);
  });

  test('documented problems, answered before any store is touched', async () => {
    const json = { 'content-type': 'application/json' };
    const unauthorized = await answers('post', '/events', '/events', {
      headers: json,
      body: JSON.stringify({ name: 'Gig', rows: 1, cols: 1 }),
    });
    assert.equal(unauthorized.status, 401);
    assert.equal(unauthorized.headers.get('www-authenticate'), 'Bearer');
    assert.equal((unauthorized.body as { type: string }).type, problemUri('unauthorized'));

    const notJson = await answers('post', '/events', '/events', { headers: json, body: '{"name":' });
    assert.equal(notJson.status, 400);

    assert.equal((await answers('get', '/events/{eventId}', `/events/${'x'.repeat(65)}`)).status, 400);
    assert.equal((await answers('get', '/events/{eventId}/seats', '/events/bad!id/seats')).status, 400);
    for (const [method, template, url] of [
      ['post', '/events/{eventId}/holds', '/events/gig-1/holds'],
      ['post', '/events/{eventId}/bookings', '/events/gig-1/bookings'],
      ['post', '/holds/{holdId}/confirm', '/holds/h-1/confirm'],
      ['delete', '/holds/{holdId}', '/holds/h-1'],
      ['delete', '/bookings/{bookingId}', '/bookings/b-1'],
      ['get', '/holds/{holdId}', '/holds/h-1'],
      ['get', '/bookings/{bookingId}', '/bookings/b-1'],
      ['post', '/holds/{holdId}/extend', '/holds/h-1/extend'],
      ['post', '/events/{eventId}/waitlist', '/events/gig-1/waitlist'],
      ['get', '/waitlist/{entryId}', '/waitlist/e-1'],
      ['delete', '/waitlist/{entryId}', '/waitlist/e-1'],
      ['post', '/events/{eventId}/queue', '/events/gig-1/queue'],
      ['get', '/queue/{ticket}', '/queue/t-1'],
    ] as const) {
      const noUser = await answers(method, template, url, { headers: json, body: method === 'post' ? '{"quantity":1}' : null });
      assert.equal(noUser.status, 400, `${method} ${url} without X-User-Id`);
      assert.equal((noUser.body as { field?: string }).field, 'X-User-Id');
    }
    assert.equal((await answers('get', '/holds/{holdId}', '/holds/bad!id', { headers: { 'x-user-id': 'alice' } })).status, 400);
    for (const query of ['limit=0', 'limit=101', 'limit=two', 'limit=1&limit=2', 'cursor=bad!id', 'cursor=']) {
      const page = await answers('get', '/events', `/events?${query}`);
      assert.equal(page.status, 400, query);
    }
    assert.equal((await answers('get', '/events/{eventId}/seats/stream', '/events/bad!id/seats/stream')).status, 400);
  });

  test('GET /events/{eventId}/seats/stream on a grid that is not the admission strategy: the documented 501', async () => {
    const stream = await answers('get', '/events/{eventId}/seats/stream', '/events/gig-1/seats/stream');
    assert.equal(stream.status, 501);
    assert.equal((stream.body as { type: string }).type, problemUri('stream-needs-admission'));
  });

  test('the seat map documents its ETag, Cache-Control, If-None-Match and 304; the stream its Last-Event-ID', () => {
    const seats = op('get', '/events/{eventId}/seats');
    for (const status of ['200', '304']) {
      const headers = Object.keys(must(seats.responses[status], `seats ${status}`).headers ?? {});
      assert.deepEqual(headers.sort(), ['Cache-Control', 'ETag'], status);
    }
    assert.equal(seats.responses['304']?.content, undefined);
    assert.deepEqual(
      parametersOf(seats).map((p) => `${p.in} ${p.name}`),
      ['path eventId', 'header If-None-Match'],
    );
    const stream = op('get', '/events/{eventId}/seats/stream');
    assert.deepEqual(Object.keys(must(stream.responses['200'], 'stream 200').content ?? {}), ['text/event-stream']);
    assert.deepEqual(
      parametersOf(stream).map((p) => `${p.in} ${p.name}`),
      ['path eventId', 'header Last-Event-ID'],
    );
    assert.deepEqual(
      parametersOf(op('get', '/events')).map((p) => `${p.in} ${p.name} ${JSON.stringify(p.schema)}`),
      ['query limit {"type":"integer","minimum":1,"maximum":100}', 'query cursor {"type":"string","pattern":"^[A-Za-z0-9_-]{1,64}$"}'],
    );
  });

  test('an unknown path answers the not-found problem', async () => {
    const res = await fetch(`${base}/nowhere`);
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('content-type')?.split(';')[0], 'application/problem+json');
    const body: unknown = await res.json();
    assert.deepEqual(schemaErrors(component('Problem'), body), []);
    assert.equal((body as { type: string }).type, problemUri('not-found'));
  });
});

/** Inlines local $refs and drops descriptions: what is left is the shape. */
function shapeOf(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(shapeOf);
  if (typeof node !== 'object' || node === null) return node;
  const ref = (node as { $ref?: unknown }).$ref;
  if (typeof ref === 'string') return shapeOf(resolvePointer(ref));
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => key !== 'description' && key !== '$schema' && key !== '$id')
      .map(([key, value]) => [key, shapeOf(value)]),
  );
}

interface Examples {
  readonly good: readonly unknown[];
  readonly bad: readonly unknown[];
}

const seat = { row: 1, col: 1 };
const seats = (n: number) => Array.from({ length: n }, (_, i) => ({ row: 1 + Math.floor(i / 10), col: 1 + (i % 10) }));
const event = {
  id: 'gig-1',
  name: 'Gig',
  rows: 10,
  cols: 10,
  capacity: 100,
  available: 100,
  maxSeatsPerUser: 0,
  holdTtlSeconds: 600,
  waitlistOfferSeconds: 300,
};
const ready = {
  ready: true,
  strategy: 'admission',
  postgres: 'up',
  redis: 'unused',
  breaker: 'unused',
  redisEvictionPolicy: 'noeviction',
  redisEvictionSafe: true,
};
const problem = { type: problemUri('seats-taken'), title: 'Some of the seats are taken', status: 409 };

const examples: Readonly<Record<string, Examples>> = {
  Seat: {
    good: [seat, { row: 1000, col: 1000 }],
    bad: [
      { row: 0, col: 1 },
      { row: 1, col: 1001 },
      { row: 1.5, col: 1 },
      { row: '1', col: 1 },
      { row: 1 },
      { ...seat, x: 1 },
      null,
      [1, 1],
    ],
  },
  CreateEventRequest: {
    good: [
      { name: 'Gig', rows: 10, cols: 20 },
      { name: ' Gig ', rows: 1000, cols: 1000, maxSeatsPerUser: 0, holdTtlSeconds: 86_400 },
      { name: 'Gig', rows: 1, cols: 1, waitlistOfferSeconds: 60, waitingRoom: { admitPerSecond: 0.5, admissionTtlSeconds: 120 } },
    ],
    bad: [
      { rows: 10, cols: 10 },
      { name: '', rows: 1, cols: 1 },
      { name: 'x'.repeat(201), rows: 1, cols: 1 },
      { name: 'Gig', rows: 0, cols: 1 },
      { name: 'Gig', rows: 1, cols: 1001 },
      { name: 'Gig', rows: 2.5, cols: 1 },
      { name: 'Gig', rows: '10', cols: 1 },
      { name: 'Gig', rows: 1, cols: 1, maxSeatsPerUser: -1 },
      { name: 'Gig', rows: 1, cols: 1, holdTtlSeconds: 0 },
      { name: 'Gig', rows: 1, cols: 1, holdTtlSeconds: 86_401 },
      { name: 'Gig', rows: 1, cols: 1, id: 'mine' },
      { name: 'Gig', rows: 1, cols: 1, waitlistOfferSeconds: 0 },
      { name: 'Gig', rows: 1, cols: 1, waitingRoom: { admitPerSecond: 0, admissionTtlSeconds: 60 } },
      { name: 'Gig', rows: 1, cols: 1, waitingRoom: { admitPerSecond: 100_001, admissionTtlSeconds: 60 } },
      { name: 'Gig', rows: 1, cols: 1, waitingRoom: { admitPerSecond: 5 } },
      { name: 'Gig', rows: 1, cols: 1, waitingRoom: { admitPerSecond: 5, admissionTtlSeconds: 60, burst: 9 } },
    ],
  },
  ClaimRequest: {
    good: [{ seats: [seat] }, { seats: seats(100) }, { quantity: 1 }, { quantity: 100, allowSplit: false }],
    bad: [
      {},
      { seats: [] },
      { seats: seats(101) },
      { seats: [{ row: 0, col: 1 }] },
      { quantity: 0 },
      { quantity: 101 },
      { quantity: 2, allowSplit: 'no' },
      { seats: [seat], quantity: 1 },
      { quantity: 2, userId: 'alice' },
      [seat],
    ],
  },
  Event: {
    good: [event, { ...event, waitingRoom: { admitPerSecond: 2.5, admissionTtlSeconds: 60 } }],
    bad: [{ ...event, id: 'bad id' }, { ...event, rows: 1.5 }, (({ available: _, ...rest }) => rest)(event)],
  },
  SeatMap: {
    good: [{ rows: 2, cols: 3, available: 4, version: 7, grid: ['...', '.HS'] }],
    bad: [
      { rows: 2, cols: 3, available: 4, version: 7, grid: '....HS' },
      { rows: 2, cols: 3, available: 4, version: 7 },
      { rows: 2, cols: 3, available: 4, grid: ['...', '.HS'] },
      { rows: 2, cols: 3, available: 4, version: -1, grid: ['...', '.HS'] },
    ],
  },
  EventSummary: {
    good: [(({ available: _, ...rest }) => rest)(event)],
    bad: [{ ...(({ available: _, ...rest }) => rest)(event), id: 'bad id' }, (({ available: _, capacity: __, ...rest }) => rest)(event)],
  },
  EventPage: {
    good: [
      { events: [(({ available: _, ...rest }) => rest)(event)], nextCursor: 'gig-1' },
      { events: [], nextCursor: null },
    ],
    bad: [{ events: [] }, { events: [{ ...event, rows: 1.5 }], nextCursor: null }, { events: [], nextCursor: 'bad id' }],
  },
  HoldRecord: {
    good: [
      { holdId: 'h-1', eventId: 'gig-1', seats: [seat], status: 'held', expiresAt: '2026-11-25T04:20:00.000Z' },
      { holdId: 'h-1', eventId: 'gig-1', seats: [seat], status: 'confirmed', expiresAt: null },
    ],
    bad: [
      { holdId: 'h-1', eventId: 'gig-1', seats: [seat], status: 'pending', expiresAt: null },
      { holdId: 'h-1', eventId: 'gig-1', seats: [seat], status: 'held' },
      { holdId: 'h-1', eventId: 'gig-1', seats: [seat], status: 'held', expiresAt: 'soon' },
    ],
  },
  BookingRecord: {
    good: [
      { bookingId: 'h-1', eventId: 'gig-1', seats: [seat], status: 'confirmed' },
      { bookingId: 'h-1', eventId: 'gig-1', seats: [seat], status: 'cancelled' },
    ],
    bad: [
      { bookingId: 'h-1', eventId: 'gig-1', seats: [seat], status: 'held' },
      { bookingId: 'h-1', eventId: 'gig-1', seats: [seat] },
    ],
  },
  Hold: {
    good: [{ holdId: 'h-1', eventId: 'gig-1', seats: [seat], expiresAt: '2026-11-25T04:20:00.000Z' }],
    bad: [
      { holdId: 'h-1', eventId: 'gig-1', seats: [seat], expiresAt: 'tomorrow' },
      { holdId: 'h-1', eventId: 'gig-1', seats: [seat], expiresAt: '2026-11-25T05:20:00+01:00' },
      { holdId: 'h-1', eventId: 'gig-1', seats: [{ row: 0, col: 1 }], expiresAt: '2026-11-25T04:20:00Z' },
      { holdId: 'h/1', eventId: 'gig-1', seats: [seat], expiresAt: '2026-11-25T04:20:00Z' },
    ],
  },
  Confirmation: {
    good: [{ bookingId: 'h-1', status: 'confirmed', seats: [seat] }],
    bad: [
      { bookingId: 'h-1', status: 'held', seats: [seat] },
      { bookingId: 'h-1', seats: [seat] },
    ],
  },
  WaitlistJoinRequest: {
    good: [{ quantity: 1 }, { quantity: 100 }],
    bad: [{}, { quantity: 0 }, { quantity: 101 }, { quantity: 1.5 }, { quantity: '2' }, { quantity: 1, seats: [seat] }],
  },
  HoldExtension: {
    good: [{ holdId: 'h-1', expiresAt: '2026-11-25T04:20:00.000Z' }],
    bad: [{ holdId: 'h-1' }, { holdId: 'h-1', expiresAt: 'later' }],
  },
  WaitlistEntry: {
    good: [
      { entryId: 'e-1', eventId: 'gig-1', quantity: 2, status: 'waiting', position: 1 },
      { entryId: 'e-1', eventId: 'gig-1', quantity: 2, status: 'offered', holdId: 'e-1-1', offerExpiresAt: '2026-11-25T04:20:00.000Z' },
      { entryId: 'e-1', eventId: 'gig-1', quantity: 2, status: 'left' },
    ],
    bad: [
      { entryId: 'e-1', eventId: 'gig-1', quantity: 2, status: 'pending' },
      { entryId: 'e-1', eventId: 'gig-1', quantity: 2, status: 'waiting', position: 0 },
      { entryId: 'e-1', eventId: 'gig-1', status: 'waiting' },
    ],
  },
  QueueTicket: {
    good: [
      { ticket: 't-1', eventId: 'gig-1', status: 'waiting', position: 3, estimatedWaitSeconds: 2 },
      { ticket: 't-1', eventId: 'gig-1', status: 'admitted', admissionToken: 't-1.abc', expiresAt: '2026-11-25T04:20:00.000Z' },
      { ticket: 't-1', eventId: 'gig-1', status: 'expired' },
    ],
    bad: [
      { ticket: 't-1', eventId: 'gig-1', status: 'done' },
      { ticket: 't-1', eventId: 'gig-1', status: 'admitted', admissionToken: 'has space' },
      { ticket: 't-1', status: 'waiting' },
    ],
  },
  Booking: {
    good: [{ bookingId: 'h-1', eventId: 'gig-1', seats: [seat, { row: 1, col: 2 }] }],
    bad: [
      { bookingId: 'h-1', seats: [seat] },
      { bookingId: 'h-1', eventId: 'gig-1', seats: [{ row: 1 }] },
    ],
  },
  Problem: {
    good: [
      problem,
      { ...problem, detail: 'd', instance: '/events/gig-1/holds', field: 'seats', takenSeats: [seat], available: 3, limit: 4 },
      { ...problem, waitlist: '/events/gig-1/waitlist', entryId: 'e-1' },
    ],
    bad: [
      { title: 't', status: 409 },
      { ...problem, status: '409' },
      { ...problem, takenSeats: [{ row: 0, col: 1 }] },
      { ...problem, limit: 1.5 },
      { ...problem, entryId: 'e 1' },
    ],
  },
  Health: { good: [{ status: 'ok' }], bad: [{ status: 'down' }, {}] },
  Readiness: {
    good: [ready, { ...ready, ready: false, postgres: 'down', redis: 'down', breaker: 'half-open', redisEvictionSafe: false }],
    bad: [
      { ...ready, postgres: 'maybe' },
      { ...ready, breaker: 'ajar' },
      (({ breaker: _, ...rest }) => rest)(ready),
      { ...ready, ready: 'yes' },
    ],
  },
};

describe('c) the component schemas, generated from zod, mean what zod means', () => {
  test('every component has examples here', () => {
    assert.deepEqual(Object.keys(examples).sort(), Object.keys(componentSources).sort());
  });

  for (const [name, { schema, io }] of Object.entries(componentSources)) {
    test(`${name} (${io}) is z.toJSONSchema of its zod schema, refs inlined`, () => {
      const standalone = z.toJSONSchema(schema, { target: 'draft-2020-12', io });
      assert.deepEqual(shapeOf(component(name)), shapeOf(standalone));
    });

    test(`${name}: zod and the JSON schema agree on known-good and known-bad examples`, () => {
      const { good, bad } = must(examples[name], name);
      for (const value of good) {
        assert.ok(schema.safeParse(value).success, `zod rejects good ${JSON.stringify(value)}`);
        assert.deepEqual(schemaErrors(component(name), value), [], `JSON schema rejects good ${JSON.stringify(value)}`);
      }
      for (const value of bad) {
        assert.equal(schema.safeParse(value).success, false, `zod accepts bad ${JSON.stringify(value)}`);
        assert.notDeepEqual(schemaErrors(component(name), value), [], `JSON schema accepts bad ${JSON.stringify(value)}`);
      }
    });

    if (schema instanceof z.ZodObject) {
      test(`${name}: properties and required are the zod shape's keys`, () => {
        const shape = schema.shape as Record<string, z.ZodType>;
        const json = component(name);
        assert.deepEqual(Object.keys(json.properties as object).sort(), Object.keys(shape).sort());
        const required = Object.entries(shape)
          .filter(([, field]) => !field.safeParse(undefined).success)
          .map(([key]) => key);
        assert.deepEqual([...(json.required as string[])].sort(), required.sort());
        // Output shapes are exact (zod strips unknown keys from what it parses); input shapes are strict objects.
        assert.equal(json.additionalProperties, false);
      });
    }
  }

  test('ClaimRequest is one of two strict shapes: seats, or quantity (and allowSplit)', () => {
    const branches = (component('ClaimRequest').anyOf as Record<string, unknown>[]).map((b) => ({
      properties: Object.keys(b.properties as object),
      required: b.required,
      additionalProperties: b.additionalProperties,
    }));
    assert.deepEqual(branches, [
      { properties: ['seats'], required: ['seats'], additionalProperties: false },
      { properties: ['quantity', 'allowSplit'], required: ['quantity'], additionalProperties: false },
    ]);
  });

  test('known gap: JSON Schema cannot say "trimmed, then not empty", so a blank name passes it and the description says so', () => {
    const blank = { name: '   ', rows: 1, cols: 1 };
    assert.equal(must(componentSources.CreateEventRequest, 'CreateEventRequest').schema.safeParse(blank).success, false);
    assert.deepEqual(schemaErrors(component('CreateEventRequest'), blank), []);
    assert.match(
      String((component('CreateEventRequest').properties as Record<string, { description?: string }>).name?.description),
      /blank/,
    );
  });
});

describe('d) with JWT identity (AUTH_JWT_SECRET) the document says bearer JWT', () => {
  const jwtDoc = apiDocument('jwt') as OpenApi;
  const jwtOp = (key: string) => {
    const [method = '', path = ''] = key.split(' ');
    return must(jwtDoc.paths[path]?.[method], key);
  };
  type Json = Record<string, unknown>;
  const copy = (value: unknown): Json => JSON.parse(JSON.stringify(value)) as Json;
  /** node[a][b]…, for pruning a copy of the document. */
  const at = (node: Json, ...keys: string[]): Json => keys.reduce((n, key) => must(n[key] as Json | undefined, key), node);

  test('one document per identity scheme, each built once and deeply frozen; X-User-Id is the default', () => {
    assert.equal(apiDocument('jwt'), jwtDoc);
    assert.equal(apiDocument('x-user-id'), doc);
    assert.notDeepEqual(jwtDoc, doc);
    assert.deepEqual(unfrozenPaths(jwtDoc), []);
  });

  test('user operations need userToken (HTTP bearer, JWT) and take no X-User-Id; POST /events keeps the admin token', () => {
    assert.deepEqual(
      { ...must(jwtDoc.components.securitySchemes.userToken, 'userToken'), description: '' },
      { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: '' },
    );
    assert.equal(doc.components.securitySchemes.userToken, undefined, 'the X-User-Id document has no user token');
    for (const key of Object.keys(expectedProblems)) {
      const operation = jwtOp(key);
      const expected = key === 'post /events' ? [{ adminToken: [] }] : userOperations.includes(key) ? [{ userToken: [] }] : undefined;
      assert.deepEqual(operation.security, expected, key);
      const refs = (operation.parameters ?? []).map((p) => (p as { $ref: string }).$ref);
      assert.ok(!refs.includes('#/components/parameters/UserId'), `${key}: no X-User-Id`);
      assert.equal(refs.includes('#/components/parameters/IdempotencyKey'), claimOperations.includes(key), `${key}: Idempotency-Key`);
    }
    assert.equal((jwtDoc.components as { parameters?: Record<string, unknown> }).parameters?.UserId, undefined);
  });

  test('user operations answer 401 unauthenticated with WWW-Authenticate; otherwise the documents differ only in prose', () => {
    for (const key of userOperations) {
      const unauthorized = must(jwtOp(key).responses['401'], `${key} 401`);
      assert.deepEqual(Object.keys(unauthorized.content?.['application/problem+json']?.examples ?? {}), ['unauthenticated'], key);
      assert.ok(Object.keys(unauthorized.headers ?? {}).includes('WWW-Authenticate'), key);
      assert.ok(unauthorized.description.includes(problemUri('unauthenticated')), key);
      assert.doesNotMatch(must(jwtOp(key).responses['400'], `${key} 400`).description, /X-User-Id/, key);
    }
    // Take the JWT differences out of the one and the X-User-Id ones out of the other: the rest is identical.
    const jwtRest = copy(jwtDoc);
    const headerRest = copy(doc);
    for (const rest of [jwtRest, headerRest]) {
      delete at(rest, 'info').description;
      delete at(rest, 'components', 'parameters').UserId;
      delete at(rest, 'components', 'securitySchemes').userToken;
    }
    for (const key of userOperations) {
      const [method = '', path = ''] = key.split(' ');
      const fromJwt = at(jwtRest, 'paths', path, method);
      const fromHeader = at(headerRest, 'paths', path, method);
      delete fromJwt.security;
      delete at(fromJwt, 'responses')['401'];
      fromHeader.parameters = (fromHeader.parameters as { $ref: string }[]).filter((p) => p.$ref !== '#/components/parameters/UserId');
      delete at(fromJwt, 'responses', '400').description;
      delete at(fromHeader, 'responses', '400').description;
    }
    assert.deepEqual(jwtRest, headerRest);
  });

  describe('an app with AUTH_JWT_SECRET', () => {
    let base = '';
    let close: () => Promise<void> = async () => {};

    before(async () => {
      const refuse = (name: string) => () => {
        throw new Error(`the JWT OpenAPI test reached deps.${name}`);
      };
      const deps = {
        config: loadConfig(JWT_ENV),
        grid: { seatMap: refuse('grid'), claimSeats: refuse('grid'), claimBestAvailable: refuse('grid'), findHold: refuse('grid') },
        registry: new Registry(),
        logger: pino({ level: 'silent' }),
        rateLimiter: { take: refuse('rateLimiter') },
        payment: { charge: refuse('payment') },
        readiness: refuse('readiness'),
      } as unknown as AppDependencies;
      const server = createApp(deps).listen(0, '127.0.0.1');
      await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      close = () => new Promise<void>((resolve) => server.close(() => resolve()));
    });
    after(() => close());

    test('serves the JWT document', async () => {
      const res = await fetch(`${base}/openapi.json`);
      assert.deepEqual(await res.json(), jwtDoc);
    });

    test('a user operation without a valid token answers the documented 401, whatever X-User-Id says', async () => {
      for (const [key, url] of [
        ['post /events/{eventId}/holds', '/events/gig-1/holds'],
        ['post /events/{eventId}/bookings', '/events/gig-1/bookings'],
        ['post /holds/{holdId}/confirm', '/holds/h-1/confirm'],
        ['delete /holds/{holdId}', '/holds/h-1'],
        ['delete /bookings/{bookingId}', '/bookings/b-1'],
        ['get /holds/{holdId}', '/holds/h-1'],
        ['get /bookings/{bookingId}', '/bookings/b-1'],
        ['post /holds/{holdId}/extend', '/holds/h-1/extend'],
        ['post /events/{eventId}/waitlist', '/events/gig-1/waitlist'],
        ['get /waitlist/{entryId}', '/waitlist/e-1'],
        ['delete /waitlist/{entryId}', '/waitlist/e-1'],
        ['post /events/{eventId}/queue', '/events/gig-1/queue'],
        ['get /queue/{ticket}', '/queue/t-1'],
      ] as const) {
        const [method = ''] = key.split(' ');
        for (const headers of [{ 'x-user-id': 'alice' }, { authorization: 'Bearer not.a.jwt' }]) {
          const res = await fetch(`${base}${url}`, {
            method: method.toUpperCase(),
            headers: { 'content-type': 'application/json', ...headers },
            ...(method === 'post' ? { body: '{"quantity":1}' } : {}),
          });
          assert.equal(res.status, 401, `${key} ${JSON.stringify(headers)}`);
          assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer\b/);
          const media = must(
            jwtOp(key).responses['401']?.content?.[res.headers.get('content-type')?.split(';')[0] ?? ''],
            `${key}: media type`,
          );
          const body: unknown = await res.json();
          assert.deepEqual(schemaErrors(media.schema, body), []);
          assert.equal((body as { type: string }).type, problemUri('unauthenticated'));
        }
      }
    });
  });
});
