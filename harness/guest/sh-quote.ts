/**
 * The one quoting function for anything the harness writes into a guest shell script. Single quotes
 * make every byte literal, so a case name holding quotes or `$()` stays inert.
 */
export function shQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
