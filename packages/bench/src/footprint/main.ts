// `pnpm --filter @seatgrid/bench footprint`: bytes a seat costs in Redis and in PostgreSQL, for
// the capacity plan. One event of --rows x --cols seats on a scratch database and the Redis of
// REDIS_URL: measured empty (loaded in Redis), after --claims one-seat bookings and after as
// many one-seat holds, each by its own user; then removed.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createSeatGrid } from '@seatgrid/admission';
import { defaultGateSettings } from '@seatgrid/admission/gate';
import { createScratchDatabase, openStoreView } from '@seatgrid/admission/testing';
import { Redis } from 'ioredis';
import { deleteEventKeys } from '../bench-events.ts';
import { runMain } from '../cli-entry.ts';
import { defaultOutDir } from '../report.ts';
import { renderText, type Table } from '../text-table.ts';
import { type BytesByPart, growth, postgresFootprint, redisFootprint, total } from './storage-footprint.ts';

interface Stage {
  readonly stage: string;
  /** Seats (the empty event) or claims (the sale stages) the bytes are divided by. */
  readonly units: number;
  readonly redis: BytesByPart;
  readonly postgres: BytesByPart;
}

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rows: { type: 'string', default: '200' },
      cols: { type: 'string', default: '500' },
      claims: { type: 'string', default: '10000' },
      'in-flight': { type: 'string', default: '100' },
      out: { type: 'string' },
    },
    strict: true,
  });
  const [rows, cols, claims, inFlight] = [values.rows, values.cols, values.claims, values['in-flight']].map(Number) as [
    number,
    number,
    number,
    number,
  ];
  if (![rows, cols, claims, inFlight].every((n) => Number.isInteger(n) && n > 0) || 2 * claims > rows * cols) {
    process.stderr.write(
      'usage: footprint [--rows 200] [--cols 500] [--claims 10000 (2 x claims <= seats)] [--in-flight 100] [--out DIR]\n',
    );
    return 2;
  }
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const scratch = await createScratchDatabase(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/seatgrid', 'footprint');
  const redis = new Redis(redisUrl);
  const grid = createSeatGrid({
    strategy: 'admission',
    database: { connectionString: scratch.url, max: 6 },
    redis: redisUrl,
    metrics: false,
    sweeper: false,
    reconciler: false,
  });
  const view = openStoreView(scratch.url);
  let eventId: string | undefined;
  try {
    await grid.migrate();
    const pgBefore = await postgresFootprint(view.db);
    const progress = (line: string) => process.stderr.write(`[footprint] ${line}\n`);
    progress(`creating a ${rows} x ${cols} event`);
    const event = await grid.createEvent({ name: 'footprint', rows, cols, holdTtlMs: 3_600_000 });
    eventId = event.eventId;
    await grid.seatMap(event.eventId); // loads it into Redis
    const seats = rows * cols;
    const empty = { redis: (await redisFootprint(redis, event.eventId)).bytes, postgres: await postgresFootprint(view.db) };
    const claimRange = async (from: number, mode: 'book' | 'hold') => {
      let next = from;
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          for (let i = next++; i < from + claims; i = next++) {
            const seat = { row: Math.floor(i / cols) + 1, col: (i % cols) + 1 };
            const result = await grid.claimSeats({ eventId: event.eventId, userId: `fp-${i}`, seats: [seat], mode });
            if (!result.ok) throw new Error(`claim of seat ${i} refused: ${result.reason}`);
          }
        }),
      );
    };
    progress(`${claims} one-seat bookings`);
    await claimRange(0, 'book');
    const booked = { redis: (await redisFootprint(redis, event.eventId)).bytes, postgres: await postgresFootprint(view.db) };
    progress(`${claims} one-seat holds`);
    await claimRange(claims, 'hold');
    const afterHolds = await redisFootprint(redis, event.eventId);
    const held = { redis: afterHolds.bytes, postgres: await postgresFootprint(view.db) };

    const stages: Stage[] = [
      {
        stage: `empty event, ${seats.toLocaleString('en-US')} seats`,
        units: seats,
        redis: empty.redis,
        postgres: growth(pgBefore, empty.postgres),
      },
      {
        stage: `+ ${claims.toLocaleString('en-US')} bookings`,
        units: claims,
        redis: growth(empty.redis, booked.redis),
        postgres: growth(empty.postgres, booked.postgres),
      },
      {
        stage: `+ ${claims.toLocaleString('en-US')} holds`,
        units: claims,
        redis: growth(booked.redis, held.redis),
        postgres: growth(booked.postgres, held.postgres),
      },
    ];
    const stream = { bytes: held.redis.stream ?? 0, entries: afterHolds.streamEntries };
    const table: Table = {
      headers: ['stage', 'divided by', 'Redis bytes', 'Redis B/unit', 'PostgreSQL bytes', 'PostgreSQL B/unit'],
      rows: stages.map((s) => [
        s.stage,
        s.units.toLocaleString('en-US'),
        total(s.redis).toLocaleString('en-US'),
        (total(s.redis) / s.units).toFixed(1),
        total(s.postgres).toLocaleString('en-US'),
        (total(s.postgres) / s.units).toFixed(1),
      ]),
    };
    const streamLine = `change stream: ${stream.bytes.toLocaleString('en-US')} bytes for ${stream.entries.toLocaleString('en-US')} records (${stream.entries === 0 ? '-' : (stream.bytes / stream.entries).toFixed(1)} B a record; capped near ${defaultGateSettings.streamMaxLen.toLocaleString('en-US')} records an event)`;
    process.stdout.write(`\n${renderText(table)}\n\n${streamLine}\n`);
    const outDir = values.out ?? defaultOutDir(new Date(), 'footprint-');
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, 'results.json'), `${JSON.stringify({ rows, cols, claims, stages, stream }, null, 2)}\n`);
    progress(`wrote ${join(outDir, 'results.json')} (bytes by Redis key part and PostgreSQL table)`);
    return 0;
  } finally {
    if (eventId !== undefined) await deleteEventKeys(redis, defaultGateSettings.keyPrefix, eventId);
    await grid.close();
    await view.close();
    redis.disconnect();
    await scratch.drop();
  }
}

runMain('footprint', () => main(process.argv.slice(2)));
