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
