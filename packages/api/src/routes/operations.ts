import { Router } from 'express';
import type { AppDependencies } from '../app-dependencies.ts';
import { identitySchemeOf, type IdentityScheme } from '../caller-identity.ts';
import { json, ref, retryAfter } from '../openapi/components.ts';
import type { OperationSpec } from '../openapi/operation-spec.ts';

/** Health, readiness, metrics, and the OpenAPI document (`document` builds it for an identity scheme). */
export function operationRoutes(deps: AppDependencies, document: (identity: IdentityScheme) => object): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const readiness = await deps.readiness();
    res.status(readiness.ready ? 200 : 503).json(readiness);
  });

  router.get('/metrics', async (_req, res) => {
    res.type(deps.registry.contentType).send(await (deps.metricsText ?? (() => deps.registry.metrics()))());
  });

  const openApi = document(identitySchemeOf(deps.config));
  router.get('/openapi.json', (_req, res) => {
    res.json(openApi);
  });

  return router;
}

/** The OpenAPI specs of the routes above. */
export const operationsOperations: readonly OperationSpec[] = [
  {
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    tag: 'operations',
    summary: 'Prometheus metrics',
    responses: {
      200: {
        description: 'The Prometheus text exposition format.',
        content: { 'text/plain': { schema: { type: 'string' } } },
      },
    },
    problems: [],
  },
  {
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    tag: 'operations',
    summary: 'Liveness',
    responses: { 200: { description: 'Alive.', content: json(ref('Health')) } },
    problems: [],
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    tag: 'operations',
    summary: 'Readiness',
    responses: {
      200: { description: 'Ready.', content: json(ref('Readiness')) },
      503: { description: 'Not ready; the body says what is missing.', headers: retryAfter, content: json(ref('Readiness')) },
    },
    problems: [],
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApi',
    tag: 'operations',
    summary: 'This document',
    responses: {
      200: { description: 'The OpenAPI 3.1 document of the API.', content: json({ type: 'object' }) },
    },
    problems: [],
  },
];
