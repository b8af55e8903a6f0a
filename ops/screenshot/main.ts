// `pnpm --filter @seatgrid/ops screenshot [--out FILE]`: a picture of an on-sale in Prometheus,
// taken here, where Grafana cannot run. It keeps an admission API up (`npm run stress --
// --keep-api` after a quick flash-sale run), starts Prometheus from Debian's package scraping it
// (scripts/prometheus-up.sh), drives three flash sales through the API (three small events it
// creates and leaves in the database), then has headless Chromium (Debian's `chromium`) take
// Prometheus's graph page plotting the dashboard's key queries. Everything it started is stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { driveFlashSales } from './flash-sales.ts';
import { graphUrl, KEY_QUERIES } from './graph-url.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(ROOT, 'docs/img/prometheus-flash-sale.png') },
    port: { type: 'string', default: '3950' },
  },
});
const out = resolve(values.out);
const apiPort = Number(values.port);
const log = (line: string) => process.stderr.write(`[screenshot] ${line}\n`);

/** Runs a command to its end; its stdout. */
function run(command: string, args: readonly string[]): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.once('error', fail);
    child.once('close', (code) => (code === 0 ? done(stdout) : fail(new Error(`${command} ${args.join(' ')} exited with ${code}`))));
  });
}

/** The kept API: resolves with the child and its admin token once it prints that it is up. */
function keepApi(outDir: string): Promise<{ child: ChildProcess; adminToken: string }> {
  const args = ['src/stress/main.ts', '--quick', '--scenario', 'flash-sale', '--strategy', 'admission', '--no-baselines'];
  const child = spawn(process.execPath, [...args, '--out', outDir, '--keep-api', String(apiPort)], {
    cwd: join(ROOT, 'packages/bench'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((done, fail) => {
    let adminToken: string | undefined;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const token = /admin token: (\S+)/.exec(line)?.[1];
      if (token !== undefined) adminToken = token;
      if (line.includes('Ctrl-C (SIGINT) or SIGTERM stops it') && adminToken !== undefined) done({ child, adminToken });
    });
    child.once('close', (code) => fail(new Error(`the stress run exited with ${code} before keeping the API up`)));
  });
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'seatgrid-screenshot-'));
  let api: ChildProcess | undefined;
  let prometheus: { pid: number; dir: string } | undefined;
  try {
    log(`stress --keep-api ${apiPort} (a quick flash-sale run first)`);
    const kept = await keepApi(join(work, 'stress'));
    api = kept.child;
    const env = Object.fromEntries(
      (await run('bash', [join(ROOT, 'scripts/prometheus-up.sh'), `127.0.0.1:${apiPort}`, '--scrape-interval', '1s']))
        .trim()
        .split('\n')
        .map((line) => line.split('=', 2) as [string, string]),
    );
    const prometheusUrl = env.PROMETHEUS_URL!;
    prometheus = { pid: Number(env.PROMETHEUS_PID), dir: env.PROMETHEUS_DIR! };
    log(`Prometheus at ${prometheusUrl}`);

    const baseUrl = `http://127.0.0.1:${apiPort}`;
    await driveFlashSales(baseUrl, kept.adminToken, log);
    // Two more scrapes, so the last wave's tail is in.
    await new Promise((r) => setTimeout(r, 3_000));

    // A fresh profile directory, thrown away with the work directory.
    const browser = await chromium.launchPersistentContext(join(work, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
      viewport: { width: 1400, height: 900 },
      deviceScaleFactor: 1,
    });
    try {
      const page = await browser.newPage();
      await page.goto(graphUrl(prometheusUrl, KEY_QUERIES, '2m'), { waitUntil: 'networkidle' });
      // Each graph prints its "Load time" once its query answered.
      await page
        .getByText('Load time')
        .nth(KEY_QUERIES.length - 1)
        .waitFor({ timeout: 30_000 });
      // The navigation bar is fixed: in a full-page picture it would float over a graph.
      await page.addStyleTag({ content: 'nav.navbar { position: absolute !important; }' });
      await page.waitForTimeout(1_000);
      mkdirSync(dirname(out), { recursive: true });
      await page.screenshot({ path: out, fullPage: true });
      log(`wrote ${out}`);
    } finally {
      await browser.close();
    }
  } finally {
    if (prometheus !== undefined) {
      process.kill(prometheus.pid, 'SIGTERM');
      rmSync(prometheus.dir, { recursive: true, force: true });
    }
    if (api !== undefined) {
      const closed = new Promise((r) => api?.once('close', r));
      api.kill('SIGTERM');
      await closed;
    }
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[screenshot] failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
