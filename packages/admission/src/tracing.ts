import { context, SpanStatusCode, trace, type Span, type Tracer, type TracerProvider } from '@opentelemetry/api';

/**
 * OpenTelemetry spans for the claim path: `seatgrid.claim`, with `seatgrid.gate` (the Redis
 * decision) and `seatgrid.persist` (the winner's PostgreSQL write) as children. Spans exist
 * only once the application registers a tracer provider; until then each call site costs one
 * lookup of the global provider and allocates nothing.
 */
export const TRACER_NAME = '@seatgrid/admission';

/** Span attribute names. */
export const spanAttributes = Object.freeze({
  strategy: 'seatgrid.strategy',
  eventId: 'seatgrid.event_id',
  outcome: 'seatgrid.outcome',
  path: 'seatgrid.path',
});

/** What @opentelemetry/api's global provider is: a proxy that delegates once a provider is registered. */
interface DelegatingProvider extends TracerProvider {
  getDelegate(): TracerProvider;
  getDelegateTracer(name: string): Tracer | undefined;
}

let seenProvider: TracerProvider | undefined;
let seenTracer: Tracer | undefined;

/** The tracer of the registered provider, or undefined while none is registered. */
export function activeTracer(): Tracer | undefined {
  const global = trace.getTracerProvider();
  if (!('getDelegate' in global)) return global.getTracer(TRACER_NAME);
  const proxy = global as DelegatingProvider;
  const delegate = proxy.getDelegate();
  if (delegate !== seenProvider) {
    seenProvider = delegate;
    // No provider registered: the proxy has no delegate tracer (its delegate is the no-op one).
    seenTracer = proxy.getDelegateTracer(TRACER_NAME);
  }
  return seenTracer;
}

/** Runs a claim inside a `seatgrid.claim` span (its children find it as the active span); the outcome is set from the result. */
export function traceClaim<R extends { readonly ok: boolean; readonly reason?: string }>(
  tracer: Tracer,
  strategy: string,
  eventId: string,
  run: () => Promise<R>,
): Promise<R> {
  const span = tracer.startSpan('seatgrid.claim', {
    attributes: { [spanAttributes.strategy]: strategy, [spanAttributes.eventId]: eventId },
  });
  return context.with(trace.setSpan(context.active(), span), run).then(
    (result) => {
      span.setAttribute(spanAttributes.outcome, result.ok ? 'granted' : (result.reason ?? 'refused'));
      span.end();
      return result;
    },
    (error: unknown) => {
      endFailed(span, error);
      throw error;
    },
  );
}

/** Notes where the active claim was decided (sold-out cache, redis, pg-fallback); nothing when tracing is off. */
export function noteDecisionPath(path: string): void {
  if (activeTracer() === undefined) return;
  trace.getActiveSpan()?.setAttribute(spanAttributes.path, path);
}

/** Starts a step of the active claim (`seatgrid.gate`, `seatgrid.persist`); undefined when tracing is off. */
export function startStep(name: string, eventId: string): Span | undefined {
  const tracer = activeTracer();
  if (tracer === undefined) return undefined;
  return tracer.startSpan(name, { attributes: { [spanAttributes.eventId]: eventId } });
}

/** Ends a step with its outcome, or as failed when `error` is given. */
export function endStep(span: Span | undefined, outcome: string, error?: unknown): void {
  if (span === undefined) return;
  span.setAttribute(spanAttributes.outcome, outcome);
  if (error === undefined) span.end();
  else endFailed(span, error);
}

function endFailed(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  span.end();
}

/** A claim answered at once from the sold-out cache: its `seatgrid.claim` span, already ended. */
export function traceCachedRefusal(strategy: string, eventId: string): void {
  activeTracer()
    ?.startSpan('seatgrid.claim', {
      attributes: {
        [spanAttributes.strategy]: strategy,
        [spanAttributes.eventId]: eventId,
        [spanAttributes.outcome]: 'sold-out',
        [spanAttributes.path]: 'sold-out-cache',
      },
    })
    .end();
}
