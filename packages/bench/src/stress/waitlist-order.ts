import type { StoreView } from '@seatgrid/admission/testing';

export interface WaitlistOrder {
  /** Entries offered seats while an entry that arrived before them was still owed (not offered, not gone). */
  readonly passedOver: number;
  /** Entries that had an offer, and offers made. */
  readonly offered: number;
  readonly offers: number;
  readonly fulfilled: number;
  readonly expired: number;
  /** Entries still waiting or offered. */
  readonly stillActive: number;
}

/**
 * Whether the event's waitlist served its entries in arrival order, from PostgreSQL's record: an
 * entry's first offer is its hold "<entryId>-1", made when PostgreSQL wrote it (in the order the
 * gate made the offers). Every entry that arrived before an offered one must have had its own
 * first offer earlier, or have left (or ended) before it. For entries of one seat each, where
 * the head always fits a freed seat, that is the waitlist's whole rule.
 */
export async function passedOver({ db }: StoreView, eventId: string): Promise<WaitlistOrder> {
  const entries = await db
    .selectFrom('waitlist_entries')
    .select(['id', 'seq', 'status', 'offers', 'updated_at'])
    .where('event_id', '=', eventId)
    .where('seq', 'is not', null)
    .execute();
  const firstOffers =
    entries.length === 0
      ? []
      : await db
          .selectFrom('holds')
          .select(['id', 'created_at'])
          .where(
            'id',
            'in',
            entries.map((e) => `${e.id}-1`),
          )
          .execute();
  const offeredAt = new Map(firstOffers.map((h) => [h.id.slice(0, -2), h.created_at.getTime()]));
  const bySeq = entries
    .map((e) => ({ seq: Number(e.seq), status: e.status, closedAt: e.updated_at.getTime(), offeredAt: offeredAt.get(e.id) }))
    .sort((a, b) => a.seq - b.seq);
  const byOffer = bySeq.filter((e) => e.offeredAt !== undefined).sort((a, b) => (a.offeredAt ?? 0) - (b.offeredAt ?? 0));
  const skipped = new Set<number>();
  for (const offer of byOffer) {
    const at = offer.offeredAt ?? 0;
    for (const earlier of bySeq) {
      if (earlier.seq >= offer.seq) break;
      if (earlier.offeredAt !== undefined && earlier.offeredAt <= at) continue;
      if (earlier.offeredAt === undefined && earlier.status !== 'waiting' && earlier.closedAt <= at) continue;
      skipped.add(earlier.seq);
    }
  }
  return {
    passedOver: skipped.size,
    offered: byOffer.length,
    offers: entries.reduce((sum, e) => sum + e.offers, 0),
    fulfilled: entries.filter((e) => e.status === 'fulfilled').length,
    expired: entries.filter((e) => e.status === 'expired').length,
    stillActive: entries.filter((e) => e.status === 'waiting' || e.status === 'offered').length,
  };
}
