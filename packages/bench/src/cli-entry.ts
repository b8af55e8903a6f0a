/**
 * Parses a command line: the options, or the exit code to leave with (0 after printing the
 * usage for --help, 2 after printing what is wrong with a bad flag, then the usage).
 */
export function optionsOrExitCode<T>(parse: () => T | 'help', usage: string): T | number {
  let options: T | 'help';
  try {
    options = parse();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${usage}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  return options;
}

/** A whole-number flag within [min, max] (`fallback` when absent); throws what is wrong otherwise. */
export function wholeFlag(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${flag} must be a whole number from ${min} to ${max}, got ${raw}`);
  return n;
}

/** Runs a command's main: what it resolves is the exit code; a throw prints its stack and exits 1. */
export function runMain(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
