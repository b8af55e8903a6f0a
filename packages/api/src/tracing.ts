import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';

export interface TracingOptions {
  /** Where spans go. Default: OTLP over HTTP, configured by the OTEL_EXPORTER_OTLP_* variables. */
  readonly exporter?: SpanExporter;
  /** Export each span as it ends (tests) rather than in batches. Default false. */
  readonly immediate?: boolean;
  /** The resource's service.name. Default: OTEL_SERVICE_NAME, else 'seatgrid-api'. */
  readonly serviceName?: string;
}

export interface Tracing {
  /** Exports what is pending, then stops: spans after this are dropped. */
  shutdown(): Promise<void>;
}

/**
 * Registers OpenTelemetry's tracer provider and an AsyncLocalStorage context manager, so the
 * library's spans (seatgrid.claim with seatgrid.gate and seatgrid.persist under it) are
 * recorded and exported. The server calls it only when OTEL_EXPORTER_OTLP_ENDPOINT is set:
 * without a registered provider the library makes no spans at all.
 */
export function startTracing(options: TracingOptions = {}): Tracing {
  const exporter = options.exporter ?? new OTLPTraceExporter();
  const processor = options.immediate === true ? new SimpleSpanProcessor({ exporter }) : new BatchSpanProcessor({ exporter });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName ?? process.env.OTEL_SERVICE_NAME ?? 'seatgrid-api' }),
    spanProcessors: [processor],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(provider);
  return {
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
}
