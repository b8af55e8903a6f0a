import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An OTLP/HTTP receiver that accepts every export and keeps only counts. */
export interface OtlpSink {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT (the exporter posts to <endpoint>/v1/traces). */
  readonly endpoint: string;
  /** Export requests and body bytes received so far. */
  readonly received: () => { readonly requests: number; readonly bytes: number };
  close(): Promise<void>;
}

/**
 * `hot-path --tracing`: where the API servers send their spans, so tracing costs them what it
 * costs with a real collector (span making, batching, serializing, posting), nothing more.
 */
export async function startOtlpSink(): Promise<OtlpSink> {
  let requests = 0;
  let bytes = 0;
  const server: Server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    req.on('end', () => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    received: () => ({ requests, bytes }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
