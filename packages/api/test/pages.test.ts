// The page at / and the documentation at /docs: served by the API itself, every asset from
// this server (public/ and swagger-ui-dist in node_modules), never from a CDN.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { before, describe, test } from 'node:test';
import { PUBLIC_DIR } from '../src/pages.ts';
import { startApi, type RunningApi } from './harness.ts';

/** Every URL an HTML page loads or links to: src and href attributes. */
function urlsIn(html: string): string[] {
  return [...html.matchAll(/\s(?:src|href)\s*=\s*["']([^"']*)["']/gi)].map((match) => match[1] ?? '');
}

/** The modules a script imports (static and dynamic). */
function importsIn(script: string): string[] {
  return [...script.matchAll(/\bimport\s*(?:[^'"()]*?\sfrom\s*)?\(?\s*['"]([^'"]+)['"]/g)].map((match) => match[1] ?? '');
}

/** Local: a path on this server (or a data: URL), not another host, not protocol-relative. */
function isLocal(url: string): boolean {
  return url === 'data:,' || (url.startsWith('/') && !url.startsWith('//')) || url.startsWith('./');
}

describe('the page and the docs', () => {
  let api: RunningApi;
  before(async () => {
    api = await startApi('admission');
  });

  async function get(path: string): Promise<Response> {
    const response = await fetch(`${api.baseUrl}${path}`);
    assert.equal(response.status, 200, `GET ${path}`);
    return response;
  }

  test('GET /docs: Swagger UI on /openapi.json, every asset local and served', async () => {
    for (const path of ['/docs', '/docs/']) {
      const response = await get(path);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'self'/);
      const html = await response.text();
      const urls = urlsIn(html);
      assert.ok(urls.includes('/docs/assets/swagger-ui-bundle.js'), 'the bundle from swagger-ui-dist');
      assert.ok(urls.includes('/docs/assets/swagger-ui.css'));
      for (const url of urls) {
        assert.ok(isLocal(url), `${path} refers to ${url}: only local URLs`);
        const asset = await get(url);
        assert.ok(Number(asset.headers.get('content-length') ?? (await asset.arrayBuffer()).byteLength) > 0, url);
        await asset.body?.cancel();
      }
      assert.doesNotMatch(html, /https?:\/\//, 'no absolute URL anywhere in the page');
    }
    const init = await (await get('/docs.js')).text();
    assert.match(init, /url: '\/openapi\.json'/);
    assert.match(init, /validatorUrl: null/, 'the validator badge would send the document elsewhere');
  });

  test("/docs/assets serves only the files the page uses, never swagger-ui-dist's demo index", async () => {
    for (const path of ['/docs/assets/index.html', '/docs/assets/swagger-initializer.js', '/docs/assets/package.json', '/docs/assets/']) {
      const response = await fetch(`${api.baseUrl}${path}`);
      assert.equal(response.status, 404, path);
      await response.body?.cancel();
    }
  });

  test('GET /: the page, its modules and styles all local, all served', async () => {
    const response = await get('/');
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    const html = await response.text();
    const urls = urlsIn(html);
    assert.ok(urls.includes('/app.js') && urls.includes('/styles.css'), urls.join(' '));
    assert.doesNotMatch(html, /https?:\/\//);
    // Every module, followed through its imports.
    const seen = new Set<string>();
    const pending = urls.filter((url) => url.endsWith('.js'));
    while (pending.length > 0) {
      const url = pending.pop() as string;
      if (seen.has(url)) continue;
      seen.add(url);
      const script = await get(url);
      assert.match(script.headers.get('content-type') ?? '', /javascript/, url);
      const source = await script.text();
      assert.doesNotMatch(source, /https?:\/\//, `${url}: no absolute URL`);
      for (const imported of importsIn(source)) {
        assert.ok(imported.startsWith('./'), `${url} imports ${imported}: only the page's own modules`);
        pending.push(new URL(imported, `http://page${url}`).pathname);
      }
    }
    const files = (await readdir(PUBLIC_DIR)).filter((name) => name.endsWith('.js') && name !== 'docs.js');
    assert.deepEqual([...seen].sort(), files.map((name) => `/${name}`).sort(), 'every module in public/ is used by the page');
    for (const url of urls.filter((u) => u !== 'data:,')) await (await get(url)).body?.cancel();
  });

  test('the API still answers its own paths, and an unknown path is still the not-found problem', async () => {
    const unknown = await fetch(`${api.baseUrl}/nowhere.js`);
    assert.equal(unknown.status, 404);
    assert.match(unknown.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.deepEqual(await get('/healthz').then((r) => r.json()), { status: 'ok' });
  });
});
