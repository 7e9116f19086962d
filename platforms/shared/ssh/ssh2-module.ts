import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/**
 * ssh2, loaded where it is first used: it is 14 MiB of the harness's memory, and a QEMU or board run
 * that never opens an SSH connection should not carry it.
 */
export const ssh2 = (): typeof import('ssh2') => load('ssh2') as typeof import('ssh2');
