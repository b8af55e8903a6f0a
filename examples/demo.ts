// A two-minute tour of @seatgrid/admission against a real Redis and PostgreSQL:
//   REDIS_URL=redis://127.0.0.1:6379 DATABASE_URL=postgres://postgres@127.0.0.1:5432/seatgrid node examples/demo.ts
import { createSeatGrid, seatMapRows } from '@seatgrid/admission';

const grid = createSeatGrid({
  strategy: 'admission',
  database: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/seatgrid',
  redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  metrics: false,
});
await grid.migrate();
await grid.start();
const { eventId } = await grid.createEvent({ name: 'demo', rows: 5, cols: 8, maxSeatsPerUser: 4, holdTtlMs: 60_000 });
console.log(`event ${eventId}: 5 rows x 8 seats`);

// 200 buyers rush 40 seats at once: every seat goes exactly once, the rest are refused.
const rush = await Promise.all(
  Array.from({ length: 200 }, (_, i) => grid.claimBestAvailable({ eventId, userId: `fan-${i}`, quantity: 1 + (i % 2), mode: 'book' })),
);
const sold = rush.reduce((seats, r) => seats + (r.ok ? r.seats.length : 0), 0);
const refusals = new Map<string, number>();
for (const r of rush) if (!r.ok) refusals.set(r.reason, (refusals.get(r.reason) ?? 0) + 1);
console.log(`rush: ${sold} seats sold to ${rush.filter((r) => r.ok).length} buyers; refused:`, Object.fromEntries(refusals));

// Cancel one booking, then hold the freed seats, confirm, and look at the map.
const booking = rush.find((r) => r.ok);
if (booking?.ok) {
  const owner = `fan-${rush.indexOf(booking)}`;
  await grid.cancel({ eventId, userId: owner, holdId: booking.holdId });
  const hold = await grid.claimSeats({ eventId, userId: 'late-fan', seats: booking.seats, holdTtlMs: 30_000 });
  console.log('late fan holds', hold.ok ? hold.seats : hold);
  if (hold.ok) console.log('confirm:', await grid.confirm({ eventId, userId: 'late-fan', holdId: hold.holdId }));
}
console.log(seatMapRows(await grid.seatMap(eventId)).join('\n'));
console.log('audit:', await grid.audit(eventId));
await grid.close();
