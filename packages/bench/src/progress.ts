import { performance } from 'node:perf_hooks';

/** Progress lines on stderr, stamped with the seconds since the run began. */
export type Progress = (message: string) => void;

export function createProgress(stream: NodeJS.WritableStream = process.stderr): Progress {
  const start = performance.now();
  return (message) => {
    const seconds = ((performance.now() - start) / 1_000).toFixed(1).padStart(5);
    stream.write(`[bench ${seconds}s] ${message}\n`);
  };
}

export function formatRate(perSec: number): string {
  return `${Math.round(perSec).toLocaleString('en-US')}/s`;
}
