import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';

// The package README's programs, as a new user runs them: saved as they are into a fresh npm
// project that installed the packed tarball and the peers from the registry (not this
// workspace's links), run against a database that already has tables of its own named like
// SeatGrid's. Each must exit 0 by itself, and leave those tables alone.

const execFileAsync = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const libraryDir = join(root, 'packages', 'admission');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/seatgrid';
/** A program that has not exited by then hangs (an open handle): the test fails rather than waits. */
const EXIT_DEADLINE_MS = 60_000;

let workDir = '';
let tarball = '';
const database = `sg_readme_${randomUUID().slice(0, 8)}`;
const databaseUrl = (() => {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
})();

async function admin<T>(work: (client: pg.Client) => Promise<T>, url = adminUrl): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The user's own tables, named like SeatGrid's, with a row each. */
const USER_TABLES = ['events', 'seats', 'holds', 'bookings'];

async function userTablesDigest(): Promise<string> {
  return admin(async (client) => {
    const parts: string[] = [];
    for (const table of USER_TABLES) {
      const { rows } = await client.query(`select md5(string_agg(t::text, '|' order by t::text)) as digest from public.${table} as t`);
      const columns = await client.query(
        `select string_agg(column_name || ':' || data_type, ',' order by ordinal_position) as shape
         from information_schema.columns where table_schema = 'public' and table_name = $1`,
        [table],
      );
      parts.push(`${table}=${rows[0].digest};${columns.rows[0].shape}`);
    }
    return parts.join('\n');
  }, databaseUrl);
}

/** The ```ts / ```js blocks of the package README, in order. */
async function readmeBlocks(): Promise<string[]> {
  const readme = await readFile(join(libraryDir, 'README.md'), 'utf8');
  return [...readme.matchAll(/^```(?:ts|js)\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);
}

async function npm(cwd: string, ...args: string[]): Promise<void> {
  await execFileAsync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, maxBuffer: 16 * 1024 * 1024 });
}

/** A fresh npm project that installed the tarball and `packages`. */
async function project(name: string, packages: readonly string[]): Promise<string> {
  const dir = join(workDir, name);
  await mkdir(dir);
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }));
  await npm(dir, 'install', tarball, ...packages);
  return dir;
}

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program with this project's Node; kills it (and says so) if it has not exited by the deadline. */
function run(cwd: string, file: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const deadline = setTimeout(() => child.kill('SIGKILL'), EXIT_DEADLINE_MS);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(deadline);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'seatgrid-readme-'));
  const { stdout } = await execFileAsync('pnpm', ['pack', '--pack-destination', workDir], { cwd: libraryDir });
  tarball = stdout.trim().split('\n').at(-1) ?? '';
  assert.ok(tarball.endsWith('.tgz') && existsSync(tarball), `pnpm pack made ${tarball}`);
  await admin((client) => client.query(`create database ${database}`));
  await admin(async (client) => {
    await client.query(`create table public.events (id serial primary key, title text not null, starts_at date)`);
    await client.query(`create table public.seats (venue text, label text, primary key (venue, label))`);
    await client.query(`create table public.holds (id bigserial primary key, note text)`);
    await client.query(`create table public.bookings (ref text primary key, amount numeric)`);
    await client.query(`insert into public.events (title, starts_at) values ('our own event', '2027-01-01')`);
    await client.query(`insert into public.seats values ('hall', 'A1')`);
    await client.query(`insert into public.holds (note) values ('ours')`);
    await client.query(`insert into public.bookings values ('b-1', 12.5)`);
  }, databaseUrl);
});

after(async () => {
  await admin((client) => client.query(`drop database if exists ${database} with (force)`));
  if (workDir !== '') await rm(workDir, { recursive: true, force: true });
});

test('the README programs run from the packed tarball, as ESM and as CommonJS, exit by themselves and leave public tables alone', async () => {
  const blocks = await readmeBlocks();
  const esm = blocks[0];
  const cjs = blocks.find((block) => block.includes('require('));
  assert.ok(esm !== undefined, 'the README has a program');
  assert.ok(esm.includes('import ') && esm.includes('process.env.DATABASE_URL') && esm.includes('process.env.REDIS_URL'));
  assert.ok(cjs !== undefined && !cjs.includes('import '));
  const dir = await project('readme-app', ['ioredis', 'kysely', 'pg', 'prom-client']);
  await writeFile(join(dir, 'tickets.mts'), esm);
  await writeFile(join(dir, 'tickets.cjs'), cjs);
  const before = await userTablesDigest();

  for (const file of ['tickets.mts', 'tickets.cjs']) {
    const result = await run(dir, file, { REDIS_URL: redisUrl, DATABASE_URL: databaseUrl });
    assert.equal(result.signal, null, `${file} did not exit by itself within ${EXIT_DEADLINE_MS} ms:\n${result.stdout}\n${result.stderr}`);
    assert.equal(result.code, 0, `${file} failed:\n${result.stdout}\n${result.stderr}`);
    // Bob's three seats, then the map: row 1 has alice's two sold seats.
    assert.match(result.stdout, /bob: \[/, `${file} printed bob's seats:\n${result.stdout}`);
    const map = result.stdout.trim().split('\n').slice(-5);
    assert.deepEqual(
      map.map((row) => row.length),
      [10, 10, 10, 10, 10],
      `${file} printed a 5 x 10 map:\n${result.stdout}`,
    );
    assert.equal(map[0]?.slice(4, 6), 'SS', `${file}: alice's seats are sold`);
  }

  assert.equal(await userTablesDigest(), before, 'the public tables are as they were');
  const tablesIn = async (schema: string) =>
    (
      await admin(
        (client) => client.query(`select table_name from information_schema.tables where table_schema = $1 order by 1`, [schema]),
        databaseUrl,
      )
    ).rows.map((r: { table_name: string }) => r.table_name);
  assert.deepEqual(await tablesIn('public'), ['bookings', 'events', 'holds', 'seats'], "public holds the user's tables only");
  const ours = await tablesIn('seatgrid');
  for (const table of ['bookings', 'events', 'holds', 'idempotency_records', 'seatgrid_migrations', 'seats']) {
    assert.ok(ours.includes(table), `seatgrid.${table} exists`);
  }
});

test('the gate entry imports and runs with ioredis alone: no PostgreSQL or metrics packages installed', async () => {
  const dir = await project('gate-only-app', ['ioredis']);
  for (const absent of ['kysely', 'pg', 'prom-client']) {
    assert.equal(existsSync(join(dir, 'node_modules', absent)), false, `${absent} is not installed`);
  }
  const eventId = `readme-gate-${randomUUID().slice(0, 8)}`;
  await writeFile(
    join(dir, 'gate.mjs'),
    `import { Redis } from 'ioredis';
import { createGate } from '@seatgrid/admission/gate';
const redis = new Redis(process.env.REDIS_URL);
const gate = createGate({ redis });
await gate.loadEvent({ eventId: '${eventId}', rows: 2, cols: 3, holds: [] });
const result = await gate.claimSeats({ eventId: '${eventId}', userId: 'alice', seats: [{ row: 1, col: 1 }] });
console.log(result.ok ? 'granted' : result.reason);
await redis.del(...(await redis.keys('sg:{ev:${eventId}}:*')));
await redis.quit();
`,
  );
  const result = await run(dir, 'gate.mjs', { REDIS_URL: redisUrl });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.trim(), 'granted');
});
