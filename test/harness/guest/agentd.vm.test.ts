/**
 * The compiled agent under the host, handed over to by the real agent.sh as in a guest: its hello
 * against agent.sh's, the host's check of the binary, and cases run under busybox unshare (root on
 * the host, in a temp folder) with their output streamed, timeouts, a runtime that is not there, and
 * nothing of the agent's reaching the container.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { agentdCompiler } from '../../../fixtures/agentd.js';
import { AgentLink, type UnitOutcome } from '../../../harness/guest/agent-link.js';
import { casePayload } from '../../../harness/guest/bundle.js';
import { DEFAULT_TIMEOUTS } from '../../../harness/run/run-targets.js';
import type { CaseDef, Runtime } from '../../../harness/model/types.js';
import { compiledAgent } from '../../support/compiled-agent.js';
import { localAgent, type LocalAgent } from '../../support/local-agent.js';

let agentd: Buffer;
let agent: LocalAgent | undefined;
beforeAll(async () => {
  agentd = await compiledAgent();
});
afterEach(() => agent?.cleanup());

/** A one-container case whose test.sh is `script`, its files written where the agent finds them. */
async function preload(target: LocalAgent, id: string, script: string, runtime?: Runtime): Promise<CaseDef> {
  const dir = join(target.dir, 'src', id);
  const c: CaseDef = {
    id, dir, file: join(dir, 'case.yaml'), name: id, summary: id, labels: [], arch: ['x86_64'], platforms: ['qemu'], timeoutMs: 2000,
    freshMachine: false, imageRunsOwnTests: false, result: 'tap', privileged: false, capabilities: [], files: ['test.sh'], ...(runtime && { runtime }),
    containers: [{ name: 'c', rootfs: 'base', run: ['/bin/sh', '/case/test.sh'], env: {} }],
  };
  mkdirSync(join(dir, 'files'), { recursive: true });
  writeFileSync(join(dir, 'files', 'test.sh'), script, { mode: 0o755 });
  for (const f of await casePayload([c], 'x86_64', 'local')) {
    const path = join(target.machine.layout.payload, f.path);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, f.data, { mode: f.mode });
  }
  return c;
}

async function run(link: AgentLink, c: CaseDef, timeoutMs = c.timeoutMs): Promise<UnitOutcome & { stdout: string; stderr: string; chunks: number }> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const outcome = await link.run(c.id, 'c', timeoutMs, { stdout: (b) => out.push(b), stderr: (b) => err.push(b) }, c.runtime);
  return { ...outcome, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), chunks: out.length };
}

describe('the compiled agent behind agent.sh', () => {
  it('says hello as agent.sh does, naming its own binary', async () => {
    agent = localAgent();
    const sh = await AgentLink.exec(agent.machine, DEFAULT_TIMEOUTS);
    await sh.bye();
    agent.cleanup();
    agent = localAgent({ agentd });
    const compiled = await AgentLink.exec(agent.machine, DEFAULT_TIMEOUTS, agentd);
    expect(sh.hello.agent).toBe('sh');
    expect(compiled.hello).toEqual({ ...sh.hello, agent: 'agentd' });
    await compiled.bye();
  });

  it('is refused when it is not the binary the host sent', async () => {
    agent = localAgent({ agentd });
    const other = Buffer.concat([agentd, Buffer.from('x')]);
    await expect(AgentLink.exec(agent.machine, DEFAULT_TIMEOUTS, other)).rejects.toMatchObject({ errorClass: 'infra', message: expect.stringContaining('the compiled agent arrived damaged') });
  });

  it('is refused when the host sent none', async () => {
    agent = localAgent({ agentd });
    await expect(AgentLink.exec(agent.machine, DEFAULT_TIMEOUTS)).rejects.toMatchObject({ message: expect.stringContaining('but the host sent none') });
  });

  it('keeps the nonce out of its argv, environment and files, and holds nothing but its channel', async () => {
    agent = localAgent({ agentd });
    const link = await AgentLink.exec(agent.machine, DEFAULT_TIMEOUTS, agentd);
    const nonce = agent.written[0]!.trim();
    expect(nonce).toMatch(/^[0-9a-f]{16}$/);
    const proc = `/proc/${agent.pid()}`;
    expect(readFileSync(`${proc}/cmdline`, 'utf8')).toContain('harness-agentd-x86_64');
    expect(readFileSync(`${proc}/cmdline`, 'utf8')).not.toContain(nonce);
    expect(readFileSync(`${proc}/environ`, 'utf8')).not.toContain(nonce);
    // stdin, stdout, stderr, the channel (3 and 4) and the signalfd in the nonce pipe's place.
    expect(readdirSync(`${proc}/fd`).map(Number).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(readlinkSync(`${proc}/fd/5`)).toBe('anon_inode:[signalfd]');
    for (const file of readdirSync(agent.dir, { recursive: true, encoding: 'utf8' })) {
      const path = join(agent.dir, file);
      try {
        expect(readFileSync(path).includes(nonce), path).toBe(false);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EISDIR') throw error;
      }
    }
    await link.bye();
  });

  it('gives a container /dev/null as stdin and no descriptor but its stdout and stderr', async () => {
    agent = localAgent({ rootfs: true, agentd });
    const link = await AgentLink.exec(agent.machine, DEFAULT_TIMEOUTS, agentd);
    const c = await preload(agent, 'fds', 'readlink /proc/self/fd/0; ls /proc/self/fd\n', 'unshare');
    // ls lists its own directory descriptor too.
    expect((await run(link, c)).stdout).toBe('/dev/null\n0\n1\n2\n3\n');
    await link.bye();
  });
});

/** A stand-in for crun on the agent's PATH that prints, as TAP, what it was started from. */
const REPORTING_RUNTIME = `#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv) {
	char exe[256] = "";
	if (readlink("/proc/self/exe", exe, sizeof exe - 1) < 0) return 2;
	int fd = open("/proc/self/exe", O_RDONLY);
	printf("1..1\\nok 1 - exe=%s seals=%d argv0=%s args=%d\\n", exe, fcntl(fd, F_GET_SEALS), argv[0], argc);
	return 0;
}
`;

describe('the runtime the compiled agent starts', () => {
  it('is crun from one sealed copy, which crun takes for its own guard against being overwritten', async () => {
    agent = localAgent({ rootfs: true, agentd });
    const src = join(agent.dir, 'runtime.c');
    writeFileSync(src, REPORTING_RUNTIME);
    execFileSync(agentdCompiler('x86_64'), ['-static', '-O2', '-o', join(agent.dir, 'applets', 'crun'), src]);
    const link = await AgentLink.exec(agent.machine, DEFAULT_TIMEOUTS, agentd);
    for (const id of ['first', 'second']) {
      const outcome = await run(link, await preload(agent, id, 'echo never\n', 'crun'));
      expect(outcome.exit).toBe(0);
      // All four seals crun's own copy carries (seal, shrink, grow, write), and crun's name as argv[0].
      expect(outcome.stdout).toMatch(new RegExp(`^1\\.\\.1\\nok 1 - exe=/memfd:harness-runtime \\(deleted\\) seals=15 argv0=${agent.dir}/applets/crun args=\\d+\\n$`));
    }
    await link.bye();
  });

  it('is started from its path when it is a script: a sealed copy of a script leaves its interpreter nothing to read', async () => {
    agent = localAgent({ rootfs: true, agentd });
    writeFileSync(join(agent.dir, 'applets', 'crun'), '#!/bin/sh\necho "1..1"; echo "ok 1 - a script runtime ran"\n', { mode: 0o755 });
    const link = await AgentLink.exec(agent.machine, DEFAULT_TIMEOUTS, agentd);
    const outcome = await run(link, await preload(agent, 'script', 'echo never\n', 'crun'));
    expect(outcome).toMatchObject({ exit: 0, stdout: '1..1\nok 1 - a script runtime ran\n' });
    await link.bye();
  });
});

describe.each([
  { name: 'agent.sh', compiled: false },
  { name: 'the compiled agent', compiled: true },
])('a case run by $name under busybox unshare', ({ compiled }) => {
  const start = async () => {
    agent = localAgent({ rootfs: true, ...(compiled && { agentd }) });
    return AgentLink.exec(agent.machine, DEFAULT_TIMEOUTS, compiled ? agentd : undefined);
  };

  it('streams stdout and stderr, with nothing on stdin, and reports the exit code', async () => {
    const link = await start();
    const c = await preload(agent!, 'streams', 'echo 1..1; echo ok 1; echo oops >&2; echo "stdin $(wc -c)"; echo "isolation $HARNESS_ISOLATION"; exit 3\n', 'unshare');
    const outcome = await run(link, c);
    expect(outcome).toMatchObject({ exit: 3, agentErrors: [], stdout: '1..1\nok 1\nstdin 0\nisolation reduced\n', stderr: 'oops\n' });
    await link.bye();
  });

  it('sends a large output whole, in chunks the host can take', async () => {
    const link = await start();
    const c = await preload(agent!, 'large', 'i=0; while [ $i -lt 4000 ]; do echo "line $i ................................................................"; i=$((i + 1)); done\n', 'unshare');
    const outcome = await run(link, c);
    expect(outcome.exit).toBe(0);
    const lines = outcome.stdout.split('\n');
    expect(lines).toHaveLength(4001);
    expect(lines[3999]).toMatch(/^line 3999 /);
    expect(outcome.chunks).toBeGreaterThan(1);
    await link.bye();
  });

  it('kills a case at its timeout and says so', async () => {
    const link = await start();
    const c = await preload(agent!, 'sleeps', 'echo before; sleep 30; echo after\n', 'unshare');
    const outcome = await run(link, c, 1000);
    expect(outcome.exit).toBe('timeout');
    expect(outcome.stdout).toBe('before\n');
    await link.bye();
  });

  it('refuses a runtime the target does not have, as an infrastructure error', async () => {
    const link = await start();
    const c = await preload(agent!, 'wants-runc', 'echo never\n', 'runc');
    const outcome = await run(link, c);
    expect(outcome).toMatchObject({ exit: 125, agentErrors: ['runtime runc is not available on this target'], stdout: '' });
    await link.bye();
  });
});
