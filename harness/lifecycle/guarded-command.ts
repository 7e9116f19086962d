/**
 * A command the guardian runs when the harness dies without saying goodbye: an argument array (never
 * a shell string), and optionally a file that gets its output.
 */
export interface GuardedCommand {
  argv: readonly string[];
  log?: string;
}

/** The one-line form the guardian's protocol carries. */
export function formatGuardedCommand(command: GuardedCommand): string {
  if (command.argv.length === 0) throw new TypeError('a guarded command needs at least a program');
  return JSON.stringify({ argv: command.argv, ...(command.log !== undefined && { log: command.log }) });
}

/** The command in a registration line, or undefined when the line is not one. */
export function parseGuardedCommand(line: string): GuardedCommand | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object') return undefined;
  const { argv, log } = value as { argv?: unknown; log?: unknown };
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string')) return undefined;
  if (log !== undefined && typeof log !== 'string') return undefined;
  return { argv: argv as string[], ...(log !== undefined && { log }) };
}
