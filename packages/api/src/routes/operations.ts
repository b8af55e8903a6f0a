import { Router } from 'express';
import type { AppDependencies } from '../app.ts';
import { identitySchemeOf } from '../caller-identity.ts';
import { openApiDocument } from '../openapi.ts';

export function operationRoutes(deps: AppDependencies): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const readiness = await deps.readiness();
    res.status(readiness.ready ? 200 : 503).json(readiness);
  });

  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  const document = openApiDocument(identitySchemeOf(deps.config));
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });

  return router;
}
