import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { waitFor } from '../src/child/index.ts';
import { startTracing } from '../src/tracing.ts';
import { startApi } from './harness.ts';

// The tracer provider is process-wide: this file is the only one that registers it (node --test runs each file in its own process).
const exporter = new InMemorySpanExporter();
const tracing = startTracing({ exporter, immediate: true, serviceName: 'seatgrid-api-test' });
after(() => tracing.shutdown());

/** The finished spans of the claim on `eventId`: its seatgrid.claim span and the spans under it. */
async function claimTree(eventId: string, expectedChildren: number): Promise<{ claim: ReadableSpan; children: ReadableSpan[] }> {
  const ofEvent = () => exporter.getFinishedSpans().filter((s) => s.attributes['seatgrid.event_id'] === eventId);
  await waitFor(`${expectedChildren + 1} spans for ${eventId}`, async () => ofEvent().length >= expectedChildren + 1, 5_000, 10);
  const spans = ofEvent();
  const claims = spans.filter((s) => s.name === 'seatgrid.claim');
  assert.equal(claims.length, 1, `one claim span: ${spans.map((s) => s.name).join(', ')}`);
  const claim = claims[0]!;
  const children = spans.filter((s) => s.parentSpanContext?.spanId === claim.spanContext().spanId);
  assert.equal(children.length, spans.length - 1, 'every other span of the event hangs under the claim');
  return { claim, children };
}

test('a granted claim makes seatgrid.claim with seatgrid.gate then seatgrid.persist under it, one trace, with strategy, outcome and event id', async () => {
  const api = await startApi('admission', { RATE_LIMIT_PER_SECOND: '0', RATE_LIMIT_IP_PER_SECOND: '0' });
  const event = await api.createEvent({ name: 'traced', rows: 1, cols: 2 });
  exporter.reset();
  const held = await api.request('POST', `/events/${event.id}/holds`, {
    body: { quantity: 1 },
    headers: { 'x-user-id': `t-${randomUUID()}` },
  });
  assert.equal(held.status, 201);

  const { claim, children } = await claimTree(event.id, 2);
  assert.equal(claim.parentSpanContext, undefined, 'the claim is the root: the API adds no HTTP span');
  assert.deepEqual(claim.attributes, {
    'seatgrid.strategy': 'admission',
    'seatgrid.event_id': event.id,
    'seatgrid.path': 'redis',
    'seatgrid.outcome': 'granted',
  });
  assert.equal(claim.status.code, 0, 'unset: not an error');
  assert.equal(claim.instrumentationScope.name, '@seatgrid/admission');
  assert.equal(claim.resource.attributes['service.name'], 'seatgrid-api-test');

  const byStart = [...children].sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
  assert.deepEqual(
    byStart.map((s) => [s.name, s.attributes['seatgrid.outcome']]),
    [
      ['seatgrid.gate', 'granted'],
      ['seatgrid.persist', 'written'],
    ],
  );
  for (const child of children) {
    assert.equal(child.spanContext().traceId, claim.spanContext().traceId);
    assert.equal(child.attributes['seatgrid.event_id'], event.id);
  }
});

test('a refused claim makes seatgrid.claim with only seatgrid.gate under it (no PostgreSQL step); a sold-out cache hit says so', async () => {
  const api = await startApi('admission', { RATE_LIMIT_PER_SECOND: '0', RATE_LIMIT_IP_PER_SECOND: '0' });
  const event = await api.createEvent({ name: 'traced refusal', rows: 1, cols: 1 });
  const claim = (user: string) =>
    api.request('POST', `/events/${event.id}/bookings`, { body: { quantity: 1 }, headers: { 'x-user-id': user } });
  assert.equal((await claim(`w-${randomUUID()}`)).status, 201);
  exporter.reset();

  assert.equal((await claim(`l-${randomUUID()}`)).status, 409);
  const refused = await claimTree(event.id, 1);
  assert.equal(refused.claim.attributes['seatgrid.outcome'], 'sold-out');
  assert.equal(refused.claim.attributes['seatgrid.path'], 'redis');
  assert.deepEqual(
    refused.children.map((s) => [s.name, s.attributes['seatgrid.outcome']]),
    [['seatgrid.gate', 'sold-out']],
  );

  exporter.reset();
  assert.equal((await claim(`c-${randomUUID()}`)).status, 409);
  // Answered from the process's sold-out cache: no gate step, nothing under the claim.
  const cached = await claimTree(event.id, 0);
  assert.equal(cached.claim.attributes['seatgrid.path'], 'sold-out-cache');
  assert.equal(cached.claim.attributes['seatgrid.outcome'], 'sold-out');
  assert.deepEqual(cached.children, []);
});
