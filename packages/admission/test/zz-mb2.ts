import { createSeatGrid } from '@seatgrid/admission';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
const redis = new Redis(process.env.REDIS_URL!, { enableAutoPipelining: true });
const grid = createSeatGrid({
  strategy: 'admission',
  redis,
  database: process.env.DATABASE_URL!,
  metrics: { registry: new Registry() },
  sweeper: false,
  reconciler: false,
});
await grid.start();
const ev = await grid.createEvent({ name: 'mb', rows: 10, cols: 10, holdTtlMs: 600000 });
const eventId = ev.eventId;
await grid.claimSeats({ eventId, userId: 'owner', seats: [{ row: 1, col: 1 }] });
const N = 30000,
  C = 100;
let sent = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await Promise.all(
  Array.from({ length: C }, async () => {
    while (sent < N) {
      sent++;
      await grid.claimSeats({ eventId, userId: `u${sent}`, seats: [{ row: 1, col: 1 }] });
    }
  }),
);
const cpu = process.cpuUsage(cpu0);
const ms = performance.now() - t0;
console.log(`grid: ${((N / ms) * 1000).toFixed(0)} claims/s, client CPU ${((cpu.user + cpu.system) / N).toFixed(1)} µs/claim`);
await grid.close();
redis.disconnect();
