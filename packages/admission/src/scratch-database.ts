import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import pg from 'pg';

/** A database made for one test or run, on a server the caller already uses. */
export interface ScratchDatabase {
  /** Its URL: the server URL it was made from, naming this database. */
  readonly url: string;
  /** Drops it, once every session on it has gone (a pool's end() resolves before its backends do). */
  drop(): Promise<void>;
}

const DROP_WAIT_MS = 10_000;

/**
 * Creates `sg_<label>_<random>` on the server `serverUrl` points at (any database there the
 * user may connect to): for what must see no other process, or a second shard.
 */
export async function createScratchDatabase(serverUrl: string, label: string): Promise<ScratchDatabase> {
  if (!/^[a-z0-9_]{1,30}$/.test(label)) throw new TypeError('label: 1-30 characters of a-z, 0-9 and _');
  const name = `sg_${label}_${randomUUID().slice(0, 8)}`;
  await onServer(serverUrl, (admin) => admin.query(`create database ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      onServer(serverUrl, async (admin) => {
        const deadline = Date.now() + DROP_WAIT_MS;
        for (;;) {
          const { rows } = await admin.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
          if (rows[0]?.n === 0 || Date.now() > deadline) break;
          await sleep(50);
        }
        await admin.query(`drop database if exists ${name}`);
      }),
  };
}

async function onServer<T>(serverUrl: string, work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
