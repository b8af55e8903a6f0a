import type { HoldStatus } from './database.js';
import type { Executor } from './store.js';

export interface HoldRecord {
  readonly holdId: string;
  readonly eventId: string;
  readonly userId: string;
  readonly status: HoldStatus;
  readonly expiresAt: Date | null;
}

/** A hold (or booking: same id) by its id alone, as an API that names only the hold needs. */
export async function findHold({ db }: Executor, holdId: string): Promise<HoldRecord | undefined> {
  const row = await db
    .selectFrom('holds')
    .select(['id', 'event_id', 'user_id', 'status', 'expires_at'])
    .where('id', '=', holdId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return { holdId: row.id, eventId: row.event_id, userId: row.user_id, status: row.status, expiresAt: row.expires_at };
}
