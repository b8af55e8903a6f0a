import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response, Router } from 'express';

/** The page's files: plain ES modules and CSS, served as they are (no build step). */
export const PUBLIC_DIR = fileURLToPath(new URL('../public', import.meta.url));

/** swagger-ui-dist's files, from node_modules: /docs loads nothing from anywhere else. */
const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
/** What /docs uses of swagger-ui-dist; its own index.html and initializer point at a demo API, so they stay out. */
const SWAGGER_UI_FILES = new Set(['/swagger-ui.css', '/swagger-ui-bundle.js', '/favicon-32x32.png', '/favicon-16x16.png']);

/** Only this server's own files and the API: the page and /docs fetch nothing from elsewhere. */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.set({ 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Content-Type-Options': 'nosniff' });
  next();
}

/**
 * The buyer's page at / (public/), and /docs: the OpenAPI document in Swagger UI, every asset
 * served from node_modules. Pages, not API operations: they are not in /openapi.json.
 */
export function pageRoutes(): Router {
  const router = Router();
  const html = (file: string) => (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    securityHeaders(req, res, () => res.sendFile(file, { root: PUBLIC_DIR, headers: { 'Cache-Control': 'no-cache' } }));
  };
  const swaggerUi = express.static(SWAGGER_UI_DIR, { index: false });
  router.use('/docs/assets', (req, res, next) => (SWAGGER_UI_FILES.has(req.path) ? swaggerUi(req, res, next) : next()));
  router.use('/docs', (req, res, next) => (req.path === '/' ? html('docs.html')(req, res, next) : next()));
  router.use(securityHeaders, express.static(PUBLIC_DIR, { index: 'index.html', extensions: false, dotfiles: 'ignore' }));
  return router;
}
