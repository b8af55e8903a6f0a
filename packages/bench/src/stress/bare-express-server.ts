// The baseline: a bare Express 5 app with one JSON POST route that answers 409 with a small
// problem+json body, the same shape as the API's refusal, and nothing else: no validation,
// no logging, no I/O. Run as a child (PORT from the environment) so it gets its own core
// like the API does, not the load generator's.
import express from 'express';

const app = express();
app.use(express.json({ limit: 16_384 }));
app.get('/healthz', (_req, res) => {
  res.json({ ok: true });
});
app.post('/events/:eventId/bookings', (req, res) => {
  res.status(409).type('application/problem+json').json({
    type: 'https://seatgrid.dev/problems/sold-out',
    title: 'Sold out',
    status: 409,
    eventId: req.params.eventId,
  });
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
