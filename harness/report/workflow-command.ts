/**
 * GitHub Actions workflow commands (`::name key=value,…::message`), escaped as the runner unescapes
 * them (actions/toolkit's command.ts), so no text from a guest can end a command early, start a new
 * line, or smuggle in a property.
 */

export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function workflowCommand(name: string, properties: Record<string, string | number | undefined>, message = ''): string {
  const props = Object.entries(properties)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',');
  return `::${name}${props ? ` ${props}` : ''}::${escapeData(message)}`;
}
