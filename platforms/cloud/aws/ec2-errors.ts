/** The error code an AWS SDK error carries (`InvalidGroup.NotFound`), or undefined. */
export function awsCode(error: unknown): string | undefined {
  return error && typeof error === 'object' && 'name' in error && typeof error.name === 'string' ? error.name : undefined;
}

/** Deletes tolerate what is already gone: teardown and gc both may run after the other. */
export function ignoreNotFound(error: unknown): void {
  if (!/NotFound|\.Malformed$/.test(awsCode(error) ?? '')) throw error;
}
