// A two-minute tour of @seatgrid/admission against a real Redis:
//   REDIS_URL=redis://127.0.0.1:6379 node examples/demo.ts
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createAdmission, seatMapRows } from '@seatgrid/admission';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { enableAutoPipelining: true });
const admission = createAdmission({ redis });
const eventId = `demo-${randomUUID().slice(0, 8)}`;

await admission.createEvent({ eventId, rows: 5, cols: 8, maxSeatsPerUser: 4 });
console.log(`event ${eventId}: 5 rows x 8 seats`);

// 200 buyers rush 40 seats at once: every seat goes exactly once, the rest are refused.
const rush = await Promise.all(
  Array.from({ length: 200 }, (_, i) =>
    admission.claimBestAvailable({ eventId, userId: `fan-${i}`, quantity: 1 + (i % 2), mode: 'book' }),
  ),
);
const sold = rush.filter((r) => r.ok).reduce((seats, r) => seats + (r.ok ? r.seats.length : 0), 0);
const refusals = new Map<string, number>();
for (const r of rush) if (!r.ok) refusals.set(r.reason, (refusals.get(r.reason) ?? 0) + 1);
console.log(`rush: ${sold} seats sold to ${rush.filter((r) => r.ok).length} buyers; refused:`, Object.fromEntries(refusals));

// Cancel one booking, then hold the freed seats, confirm, and look at the map.
const booking = rush.find((r) => r.ok);
if (booking?.ok) {
  const owner = `fan-${rush.indexOf(booking)}`;
  await admission.cancel({ eventId, userId: owner, holdId: booking.holdId });
  const hold = await admission.claimSeats({ eventId, userId: 'late-fan', seats: booking.seats, holdTtlMs: 30_000 });
  console.log('late fan holds', hold.ok ? hold.seats : hold);
  if (hold.ok) console.log('confirm:', await admission.confirm({ eventId, userId: 'late-fan', holdId: hold.holdId }));
}
console.log(seatMapRows(await admission.seatMap(eventId)).join('\n'));
redis.disconnect();
