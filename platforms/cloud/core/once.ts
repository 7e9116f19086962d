/** A promise made the first time it is asked for, then the same one: a probe asks the cloud once per run. */
export function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}
