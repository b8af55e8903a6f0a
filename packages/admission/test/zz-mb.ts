import { createGate } from '@seatgrid/admission/gate';
import { Redis } from 'ioredis';
const redis = new Redis(process.env.REDIS_URL!, { enableAutoPipelining: process.env.AP !== '0' });
const gate = createGate({ redis });
const eventId = `mb-${Date.now()}`;
await gate.loadEvent({ eventId, rows: 10, cols: 10, holds: [] });
await gate.claimSeats({ eventId, userId: 'owner', seats: [{ row: 1, col: 1 }] });
const N = 30000,
  C = 100;
let sent = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await Promise.all(
  Array.from({ length: C }, async () => {
    while (sent < N) {
      sent++;
      await gate.claimSeats({ eventId, userId: `u${sent}`, seats: [{ row: 1, col: 1 }] });
    }
  }),
);
const cpu = process.cpuUsage(cpu0);
const ms = performance.now() - t0;
console.log(
  `AP=${process.env.AP ?? '1'} ${((N / ms) * 1000).toFixed(0)} claims/s, client CPU ${((cpu.user + cpu.system) / N).toFixed(1)} µs/claim (user ${(cpu.user / N).toFixed(1)}, sys ${(cpu.system / N).toFixed(1)})`,
);
redis.disconnect();
