import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Store } from './store.js';

/**
 * The PostgreSQL databases SeatGrid keeps its events in: an event lives wholly in one shard.
 * Shard 0 also keeps the directory (event_shards: which shard each event was placed in), so
 * adding a shard never moves an event: a new event is placed by its id's hash over the shards
 * there are when it is created, and found again through the directory; an event the directory
 * does not name is in shard 0 (where a single database keeps every event). With one shard
 * nothing is looked up.
 */
export class Shards {
  readonly all: readonly Store[];
  /** Where each event lives, once known: events never move. */
  readonly #placed = new Map<string, number>();

  constructor(stores: readonly Store[]) {
    if (stores.length === 0) throw new Error('at least one PostgreSQL database is needed');
    this.all = stores;
  }

  get directory(): Store {
    return this.all[0] as Store;
  }

  /** The store of shard `shard`. */
  at(shard: number): Store {
    const store = this.all[shard];
    if (store === undefined) throw new Error(`no shard ${shard}: ${this.all.length} configured`);
    return store;
  }

  /** The shard the event lives in. */
  async locate(eventId: string): Promise<number> {
    if (this.all.length === 1) return 0;
    const known = this.#placed.get(eventId);
    if (known !== undefined) return known;
    const row = await this.directory.db.selectFrom('event_shards').select('shard').where('event_id', '=', eventId).executeTakeFirst();
    const shard = row?.shard ?? 0;
    this.#placed.set(eventId, shard);
    return shard;
  }

  /** Places a new event (by its id's hash) and records it in the directory; returns its shard. */
  async place(eventId: string): Promise<number> {
    if (this.all.length === 1) return 0;
    const shard = createHash('sha256').update(eventId).digest().readUInt32BE(0) % this.all.length;
    await sql`insert into ${this.directory.t.eventShards} (event_id, shard) values (${eventId}, ${shard})`.execute(this.directory.db);
    this.#placed.set(eventId, shard);
    return shard;
  }

  /** Forgets a placement whose event could not be created. */
  async unplace(eventId: string): Promise<void> {
    if (this.all.length === 1) return;
    this.#placed.delete(eventId);
    await this.directory.db.deleteFrom('event_shards').where('event_id', '=', eventId).execute();
  }
}
