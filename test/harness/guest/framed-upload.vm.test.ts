/**
 * Case files through the agent itself, as on a board's only UART: the real agent.sh under busybox,
 * and the compiled agent it hands over to, go-back-N chunks with CRCs, and damage on the way in that
 * must cost a resend, never the files.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AgentLink } from '../../../harness/guest/agent-link.js';
import { DEFAULT_TIMEOUTS } from '../../../harness/run/run-targets.js';
import { localAgent, type LocalAgent } from '../../support/local-agent.js';
import { compiledAgent } from '../../support/compiled-agent.js';

const files = [
  { path: 'cases/a/files/test.sh', data: Buffer.from('#!/bin/sh\necho "1..1"\necho ok 1\n'), mode: 0o755 },
  { path: 'cases/a/c/config.json', data: Buffer.from(JSON.stringify({ big: 'x'.repeat(1000), bytes: [...Array(300).keys()] })), mode: 0o644 },
  { path: 'cases/b/files/empty', data: Buffer.alloc(0), mode: 0o600 },
];
const tuning = { chunkBytes: 64, window: 3, maxResends: 8 };

let agent: LocalAgent | undefined;
afterEach(() => agent?.cleanup());

/** Flips one base64 character of the chunk line that starts with `seq `, the first `times` times it is sent. */
function damage(seq: number, times: number) {
  let left = times;
  return (text: string) =>
    text.replace(new RegExp(`^${seq} ([A-Za-z0-9+/=]+) `, 'm'), (line, b64: string) => {
      if (left-- <= 0) return line;
      const c = b64[5] === 'A' ? 'B' : 'A';
      return `${seq} ${b64.slice(0, 5)}${c}${b64.slice(6)} `;
    });
}

describe.each([
  { name: 'agent.sh', compiled: false },
  { name: 'the compiled agent', compiled: true },
])('framed upload through $name', ({ compiled }) => {
  let agentd: Buffer | undefined;
  beforeAll(async () => {
    agentd = compiled ? await compiledAgent() : undefined;
  });

  it('writes every file with its bytes and mode', async () => {
    agent = localAgent({ agentd });
    const link = await AgentLink.exec(agent.machine, DEFAULT_TIMEOUTS, agentd);
    expect(link.hello.agent).toBe(compiled ? 'agentd' : 'sh');
    const result = await link.put(files, tuning);
    // One tar crosses the line: the files and a header each.
    expect(result.resends).toBe(0);
    expect(result.bytes).toBeGreaterThan(files.reduce((n, f) => n + f.data.length, 0));
    for (const f of files) {
      const path = join(agent.machine.layout.payload, f.path);
      expect(readFileSync(path)).toEqual(f.data);
      expect(statSync(path).mode & 0o777).toBe(f.mode);
    }
    await link.bye();
  });

  it('resends a damaged chunk and what followed it, and the file still arrives whole', async () => {
    agent = localAgent({ tamper: damage(2, 2), agentd });
    const link = await AgentLink.exec(agent.machine, DEFAULT_TIMEOUTS, agentd);
    const result = await link.put([files[1]!], tuning);
    expect(result.resends).toBe(2);
    expect(readFileSync(join(agent.machine.layout.payload, files[1]!.path))).toEqual(files[1]!.data);
    // Chunk 2 went out three times: twice damaged, once whole.
    expect(agent.written.join('').match(/^2 /gm)).toHaveLength(3);
    await link.bye();
  });

  it('gives up, as an infrastructure error, on a line that damages every copy of a chunk', async () => {
    agent = localAgent({ tamper: damage(1, 1000), agentd });
    const link = await AgentLink.exec(agent.machine, DEFAULT_TIMEOUTS, agentd);
    await expect(link.put([files[1]!], tuning)).rejects.toMatchObject({ errorClass: 'infra', message: expect.stringContaining('chunk 1 was refused 9 times') });
  });
});
