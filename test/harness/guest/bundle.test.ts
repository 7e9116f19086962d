import { describe, expect, it } from 'vitest';
import { casePayload } from '../../../harness/guest/bundle.js';

describe('casePayload', () => {
  it('puts the compiled agent in bin/ under the name uname -m gives the arch', async () => {
    const agentd = Buffer.from('\x7fELF…');
    expect(await casePayload([], 'arm64', 'qemu:arm64', agentd)).toEqual([{ path: 'bin/harness-agentd-aarch64', data: agentd, mode: 0o755 }]);
    expect((await casePayload([], 'x86_64', 'qemu:x86_64', agentd))[0]?.path).toBe('bin/harness-agentd-x86_64');
  });

  it('leaves it out when there is none', async () => {
    expect(await casePayload([], 's390x', 'qemu:s390x')).toEqual([]);
  });
});
