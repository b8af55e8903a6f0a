import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PROMETHEUS_DIR = join(ROOT, 'ops/prometheus');

/** promtool, installed through the set-up script (Debian's prometheus package) when missing. */
function promtool(args: readonly string[], cwd: string): { status: number | null; output: string } {
  if (spawnSync('promtool', ['--version']).error !== undefined) {
    execFileSync('bash', [join(ROOT, 'scripts/prometheus-up.sh'), '--install-only'], { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  const run = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

test('promtool check rules: the alert rules are valid', () => {
  const { status, output } = promtool(['check', 'rules', 'alerts.yml'], PROMETHEUS_DIR);
  assert.equal(status, 0, output);
  assert.match(output, /SUCCESS: \d+ rules found/);
});

test('promtool test rules: every alert fires when it should and stays quiet when it should', () => {
  const { status, output } = promtool(['test', 'rules', 'alerts.test.yml'], PROMETHEUS_DIR);
  assert.equal(status, 0, output);
  assert.match(output, /SUCCESS/);
});

test("promtool check config: docker-compose's Prometheus config is valid, with the rules where the container mounts them", () => {
  const dir = mkdtempSync(join(tmpdir(), 'seatgrid-promconfig-'));
  try {
    const config = readFileSync(join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8');
    assert.match(config, /\/etc\/prometheus\/alerts\.yml/);
    writeFileSync(join(dir, 'prometheus.yml'), config.replace('/etc/prometheus/alerts.yml', join(PROMETHEUS_DIR, 'alerts.yml')));
    const { status, output } = promtool(['check', 'config', join(dir, 'prometheus.yml')], dir);
    assert.equal(status, 0, output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('docker-compose.yml: Prometheus and Grafana (profile observability) mount files that exist; Redis and PostgreSQL start by default', () => {
  const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, { image: string; profiles?: string[]; volumes?: string[]; network_mode?: string; command?: string[] }>;
  };
  const { redis, postgres, prometheus, grafana } = compose.services;
  assert.ok(redis !== undefined && postgres !== undefined && prometheus !== undefined && grafana !== undefined);
  assert.equal(redis.profiles, undefined);
  assert.equal(postgres.profiles, undefined);
  for (const [name, service] of Object.entries({ prometheus, grafana })) {
    assert.deepEqual(service.profiles, ['observability'], name);
    assert.match(service.image, /^[a-z/-]+:[\w.-]+$/, `${name}: a pinned image`);
    // Host network: the API listens on the host's 127.0.0.1.
    assert.equal(service.network_mode, 'host', name);
    for (const volume of service.volumes ?? []) {
      const [source = ''] = volume.split(':');
      assert.ok(existsSync(join(ROOT, source)), `${name}: ${source} exists`);
    }
  }
  assert.ok(prometheus.command?.includes('--config.file=/etc/prometheus/prometheus.yml'));
});

test('Grafana provisioning: a Prometheus datasource and a file provider whose folder holds the dashboard', () => {
  const provisioning = join(ROOT, 'ops/grafana/provisioning');
  const datasources = parse(readFileSync(join(provisioning, 'datasources/prometheus.yml'), 'utf8')) as {
    datasources: { type: string; url: string; isDefault: boolean }[];
  };
  assert.deepEqual(
    datasources.datasources.map((d) => [d.type, d.url, d.isDefault]),
    [['prometheus', 'http://127.0.0.1:9090', true]],
  );
  const dashboards = parse(readFileSync(join(provisioning, 'dashboards/seatgrid.yml'), 'utf8')) as {
    providers: { type: string; options: { path: string } }[];
  };
  assert.equal(dashboards.providers[0]?.options.path, '/var/lib/grafana/dashboards');
  const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
  assert.match(compose, /\.\/ops\/grafana\/dashboards:\/var\/lib\/grafana\/dashboards:ro/);
  const dashboard = JSON.parse(readFileSync(join(ROOT, 'ops/grafana/dashboards/seatgrid.json'), 'utf8')) as {
    uid: string;
    panels: unknown[];
  };
  assert.equal(dashboard.uid, 'seatgrid-onsale');
});
