import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  encodeFrame,
  FRAME_KINDS,
  FrameDecoder,
  type FrameEvent,
  type FrameKind,
} from '../../../harness/console/frames.js';

const NONCE = '5f0c1e9a7b3d2468';

/**
 * Written by a POSIX sh loop using the system's `base64 -w0` and `busybox crc32`, as the agent does, with
 * CRLF line endings as a tty gives them, printk lines between frames and one printk line that
 * prefixes a frame.
 */
const SESSION = readFileSync(new URL('../../fixtures/console/agent-session.log', import.meta.url));

const SESSION_FRAMES: Array<[FrameKind, Buffer]> = [
  [
    'hello',
    Buffer.from(
      'agent=3141592653\nruntime=unshare\nkernel=6.1.0-50-cloud-amd64\narch=x86_64\nchannel=/dev/vport1p1\n',
    ),
  ],
  ['case-begin', Buffer.from('net-loopback probe')],
  ['stdout', Buffer.from('TAP version 14\n1..1\nok 1 - lo is up\n')],
  ['stderr', Buffer.from('warn\x00\xff\xfe binary\n', 'latin1')],
  ['exit', Buffer.from('0')],
  ['metric', Buffer.from('boot_ms=2100\ncase_ms=180\n')],
  ['bye', Buffer.alloc(0)],
];

/** Deterministic, so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function randomBytes(next: () => number, length: number): Buffer {
  return Buffer.from(Array.from({ length }, () => Math.floor(next() * 256)));
}

function decode(chunks: Buffer[], nonce = NONCE, maxLineBytes?: number): FrameEvent[] {
  const decoder = new FrameDecoder(nonce, { maxLineBytes });
  return [...chunks.flatMap((chunk) => decoder.push(chunk)), ...decoder.end()];
}

function chunked(stream: Buffer, sizes: () => number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < stream.length; ) {
    const size = Math.max(1, sizes());
    chunks.push(stream.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

function frames(events: FrameEvent[]): Array<[number, FrameKind, Buffer]> {
  return events.flatMap((e) => (e.type === 'frame' ? [[e.frame.seq, e.frame.kind, e.frame.payload]] : []));
}

function errors(events: FrameEvent[]): FrameEvent[] {
  return events.filter((e) => e.type === 'error');
}

function noise(events: FrameEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'noise' ? [e.line.toString('latin1')] : []));
}

/** What an error event quotes: the line from the nonce on. */
function fromNonce(line: string): string {
  return line.slice(line.indexOf(NONCE));
}

function sessionLines(): string[] {
  return SESSION.toString('latin1').split('\r\n').slice(0, -1);
}

function joinLines(lines: string[]): Buffer {
  return Buffer.from(lines.map((line) => `${line}\r\n`).join(''), 'latin1');
}

const frameLine = (seq: number | string, kind: string, payloadText: string): string => {
  const body = `${NONCE} ${seq} ${kind} ${payloadText}`;
  return `${body} ${crc32(Buffer.from(body)).toString(16).padStart(8, '0')}`;
};

describe('FrameDecoder on a recorded agent session', () => {
  const events = decode([SESSION]);

  it('delivers every frame in order with its payload', () => {
    expect(frames(events)).toEqual(SESSION_FRAMES.map(([kind, payload], seq) => [seq, kind, payload]));
    expect(errors(events)).toEqual([]);
  });

  it('reports printk lines and a printk prefix on a frame line as noise, without \\r', () => {
    expect(noise(events)).toEqual([
      '[    2.345678] virtio_blk virtio1: [vda] 2048 512-byte logical blocks (1.05 MB/1.00 MiB)',
      '[    2.400001] random: crng init done',
      '[    2.456789] virtio_net virtio0 eth0: renamed from enp0s2',
      '[    2.600000] reboot: Power down',
    ]);
  });

  it('yields identical events in 1-byte, 7-byte and random chunks', () => {
    const sizes = random(1);
    expect(decode(chunked(SESSION, () => 1))).toEqual(events);
    expect(decode(chunked(SESSION, () => 7))).toEqual(events);
    for (let round = 0; round < 20; round++) {
      expect(decode(chunked(SESSION, () => Math.floor(sizes() * 64)))).toEqual(events);
    }
  });

  it('yields identical events with the stream split at every byte boundary', () => {
    for (let at = 1; at < SESSION.length; at++) {
      expect(decode([SESSION.subarray(0, at), SESSION.subarray(at)])).toEqual(events);
    }
  });

  it('decodes LF endings like CRLF endings', () => {
    const lf = Buffer.from(SESSION.toString('latin1').replaceAll('\r\n', '\n'), 'latin1');
    expect(decode([lf])).toEqual(events);
  });
});

describe('encodeFrame', () => {
  it('writes exactly the lines that sh, base64 and crc32 wrote', () => {
    const written = sessionLines().filter((line) => line.includes(NONCE));
    const encoded = SESSION_FRAMES.map(([kind, payload], seq) => encodeFrame(NONCE, seq, kind, payload));
    expect(encoded).toEqual(written.map((line) => `${fromNonce(line)}\n`));
  });

  it('writes a crc with leading zeros as 8 hex digits, as busybox crc32 prints it', () => {
    // `printf '%s' '5f0c1e9a7b3d2468 0 exit NTc=' | busybox crc32` prints 00f89bcc.
    const line = `${NONCE} 0 exit NTc= 00f89bcc\n`;
    expect(encodeFrame(NONCE, 0, 'exit', Buffer.from('57'))).toBe(line);
    expect(decode([Buffer.from(line)])).toEqual([
      { type: 'frame', frame: { seq: 0, kind: 'exit', payload: Buffer.from('57') } },
    ]);
    const unpadded = `${NONCE} 0 exit NTc= f89bcc`;
    expect(errors(decode([Buffer.from(`${unpadded}\n`)]))).toEqual([
      { type: 'error', reason: 'malformed', line: unpadded, expectedSeq: 0 },
    ]);
  });

  it('round-trips through the decoder', () => {
    const payload = randomBytes(random(2), 3000);
    const events = decode([Buffer.from(encodeFrame(NONCE, 0, 'stdout', payload))]);
    expect(events).toEqual([{ type: 'frame', frame: { seq: 0, kind: 'stdout', payload } }]);
  });

  it('rejects a bad nonce, seq or kind with a TypeError quoting it', () => {
    const empty = Buffer.alloc(0);
    expect(() => encodeFrame('5F0C1E9A7B3D2468', 0, 'bye', empty)).toThrow(
      new TypeError('nonce must be 16 lowercase hex characters, got "5F0C1E9A7B3D2468"'),
    );
    expect(() => encodeFrame(NONCE, -1, 'bye', empty)).toThrow(
      new TypeError('seq must be a non-negative integer, got -1'),
    );
    expect(() => encodeFrame(NONCE, 0, 'nope' as FrameKind, empty)).toThrow(
      new TypeError('unknown frame kind "nope"'),
    );
  });

  it('lists the kinds of docs/protocol.md', () => {
    expect(FRAME_KINDS).toEqual([
      'hello',
      'case-begin',
      'stdout',
      'stderr',
      'exit',
      'metric',
      'error',
      'ack',
      'nak',
      'bye',
    ]);
  });
});

describe('FrameDecoder on damaged streams', () => {
  it('delivers every frame through random binary noise, in any chunking', () => {
    const next = random(3);
    const parts: Buffer[] = [];
    SESSION_FRAMES.forEach(([kind, payload], seq) => {
      const garbage = randomBytes(next, Math.floor(next() * 300));
      // Half the time the garbage ends mid-line, so it prefixes the frame.
      const separator = Buffer.from(next() < 0.5 ? '\n' : '');
      parts.push(garbage, separator, Buffer.from(encodeFrame(NONCE, seq, kind, payload)));
    });
    const stream = Buffer.concat(parts);
    const events = decode([stream]);
    expect(frames(events)).toEqual(SESSION_FRAMES.map(([kind, payload], seq) => [seq, kind, payload]));
    expect(errors(events)).toEqual([]);
    expect(decode(chunked(stream, () => 1))).toEqual(events);
    expect(decode(chunked(stream, () => 7))).toEqual(events);
  });

  it('turns pure garbage into noise only', () => {
    const events = decode([randomBytes(random(4), 20_000)]);
    expect(events.length).toBeGreaterThan(1);
    expect(events.every((e) => e.type === 'noise')).toBe(true);
  });

  it('reports a flipped payload character as a crc error, and the frame after it as a gap', () => {
    const lines = sessionLines();
    const stdoutLine = lines.findIndex((line) => line.includes(`${NONCE} 2 stdout`));
    lines[stdoutLine] = lines[stdoutLine]!.replace('VEFQ', 'VEFR');
    const events = decode([joinLines(lines)]);
    expect(frames(events).map(([seq]) => seq)).toEqual([0, 1, 4, 5, 6]);
    expect(errors(events)).toEqual([
      { type: 'error', reason: 'crc', line: fromNonce(lines[stdoutLine]!), expectedSeq: 2 },
      { type: 'error', reason: 'gap', line: lines[stdoutLine + 2]!, expectedSeq: 2, gotSeq: 3 },
    ]);
  });

  it('reports a dropped frame as a gap, withholds the frame that revealed it, and resynchronises', () => {
    const lines = sessionLines().filter((line) => !line.includes(`${NONCE} 3 stderr`));
    const revealing = lines.find((line) => line.includes(`${NONCE} 4 exit`));
    const events = decode([joinLines(lines)]);
    expect(frames(events).map(([seq]) => seq)).toEqual([0, 1, 2, 5, 6]);
    expect(errors(events)).toEqual([
      { type: 'error', reason: 'gap', line: revealing, expectedSeq: 3, gotSeq: 4 },
    ]);
  });

  it('reports a repeated frame as a gap', () => {
    const first = encodeFrame(NONCE, 0, 'hello', Buffer.from('a'));
    const events = decode([Buffer.from(first + first)]);
    expect(frames(events).map(([seq]) => seq)).toEqual([0]);
    expect(errors(events)).toMatchObject([{ reason: 'gap', expectedSeq: 1, gotSeq: 0 }]);
  });

  it('treats a frame of another boot as noise', () => {
    const other = encodeFrame('0123456789abcdef', 0, 'stdout', Buffer.from('not ours'));
    const stream = Buffer.concat([
      Buffer.from(encodeFrame(NONCE, 0, 'hello', Buffer.from('a'))),
      Buffer.from(other),
      Buffer.from(encodeFrame(NONCE, 1, 'bye', Buffer.alloc(0))),
    ]);
    const events = decode([stream]);
    expect(frames(events).map(([seq, kind]) => [seq, kind])).toEqual([[0, 'hello'], [1, 'bye']]);
    expect(noise(events)).toEqual([other.trimEnd()]);
  });

  it.each([
    ['an unknown kind', frameLine(0, 'stdin', 'YQ==')],
    ['a seq with a leading zero', frameLine('00', 'stdout', 'YQ==')],
    ['base64 with a stray character', frameLine(0, 'stdout', 'Y*Q=')],
    ['base64 of a wrong length', frameLine(0, 'stdout', 'YQ=')],
    ['an empty payload field', frameLine(0, 'stdout', '')],
    ['a missing crc', `${NONCE} 0 stdout YQ==`],
    ['a crc that is not 8 hex digits', `${NONCE} 0 stdout YQ== 12ab`],
    ['a crc in upper case', `${NONCE} 0 stdout YQ== F92F6E5F`],
    ['a crc in decimal, as cksum printed it', `${NONCE} 0 stdout YQ== 3915528286`],
    ['a truncated frame', `${NONCE} 0 std`],
    ['the echoed command that started the agent', `sh /tmp/harness-agent.sh ${NONCE} /dev/vport1p1`],
  ])('reports %s as malformed', (_name, line) => {
    const events = decode([Buffer.from(`${line}\n`)]);
    expect(errors(events)).toEqual([
      { type: 'error', reason: 'malformed', line: fromNonce(line), expectedSeq: 0 },
    ]);
    expect(frames(events)).toEqual([]);
  });

  it('recomputes the crc of a well-formed frame rather than trusting its fields', () => {
    // A valid crc over a different seq: must be caught as damage, not delivered as frame 0.
    const line = frameLine(1, 'stdout', 'YQ==').replace(`${NONCE} 1 `, `${NONCE} 0 `);
    expect(errors(decode([Buffer.from(`${line}\n`)]))).toMatchObject([{ reason: 'crc', expectedSeq: 0 }]);
  });

  it('cuts an oversized noise line into bounded pieces and still finds the next frame', () => {
    const stream = Buffer.concat([
      Buffer.alloc(200_000, 'x'),
      Buffer.from('\n'),
      Buffer.from(encodeFrame(NONCE, 0, 'bye', Buffer.alloc(0))),
    ]);
    const events = decode(chunked(stream, () => 4096), NONCE, 1024);
    const pieces = noise(events);
    expect(pieces.join('')).toBe('x'.repeat(200_000));
    expect(Math.max(...pieces.map((piece) => piece.length))).toBe(1024);
    expect(frames(events)).toEqual([[0, 'bye', Buffer.alloc(0)]]);
  });

  it('never delivers a frame longer than maxLineBytes', () => {
    const stream = Buffer.concat([
      Buffer.from(encodeFrame(NONCE, 0, 'stdout', Buffer.alloc(2000, 'a'))),
      Buffer.from(encodeFrame(NONCE, 1, 'bye', Buffer.alloc(0))),
    ]);
    const events = decode([stream], NONCE, 1024);
    expect(frames(events)).toEqual([]);
    expect(errors(events)).toMatchObject([
      { reason: 'malformed', expectedSeq: 0 },
      { reason: 'gap', expectedSeq: 0, gotSeq: 1 },
    ]);
  });

  it('decodes an unterminated last frame only at end()', () => {
    const decoder = new FrameDecoder(NONCE);
    const unterminated = encodeFrame(NONCE, 0, 'bye', Buffer.alloc(0)).trimEnd();
    expect(decoder.push(Buffer.from(unterminated))).toEqual([]);
    expect(decoder.end()).toEqual([
      { type: 'frame', frame: { seq: 0, kind: 'bye', payload: Buffer.alloc(0) } },
    ]);
  });

  it('rejects a nonce that is not 16 lowercase hex characters, quoting it', () => {
    expect(() => new FrameDecoder('abc')).toThrow(
      new TypeError('nonce must be 16 lowercase hex characters, got "abc"'),
    );
  });
});
