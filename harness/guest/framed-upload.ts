import { crc32 } from 'node:zlib';
import type { Frame } from '../console/frames.js';
import { InfraError } from '../model/errors.js';
import type { ByteStream, PayloadFile } from '../../platforms/platform.js';

export interface UploadTuning {
  /** Raw bytes per chunk line; a tty's canonical mode cuts lines at 4095 bytes, so 2 KiB is safe on a UART. */
  chunkBytes: number;
  /** Chunk lines in flight before the first is answered: the line stays busy while the agent answers. */
  window: number;
  /** Times one chunk may be refused before the transfer is given up. */
  maxResends: number;
}

export const UART_UPLOAD: UploadTuning = { chunkBytes: 2048, window: 4, maxResends: 8 };

interface Sent {
  seq: number;
  epoch: number;
}

/**
 * Sends files to the agent as framed chunks with a CRC each (docs/protocol.md, "put"), go-back-N:
 * every chunk line gets exactly one answer in order, a refused chunk is sent again with all after
 * it, and answers to lines sent before that rewind are ignored. A damaged chunk costs a resend,
 * not the session.
 */
export async function uploadFramed(
  files: PayloadFile[],
  commands: ByteStream,
  next: (what: string) => Promise<Frame>,
  tuning: UploadTuning,
  machine: string,
): Promise<{ bytes: number; resends: number }> {
  let total = 0;
  let resends = 0;
  for (const file of files) {
    const chunks: string[] = [];
    // Whole base64 quanta per chunk: the agent may decode the chunks joined, and padding inside would end that.
    const step = Math.max(3, tuning.chunkBytes - (tuning.chunkBytes % 3));
    for (let at = 0; at < file.data.length; at += step) {
      const b64 = file.data.subarray(at, at + step).toString('base64');
      chunks.push(`${b64} ${crc32(b64).toString(16).padStart(8, '0')}`);
    }
    await commands.write(`put ${file.path} ${(file.mode & 0o777).toString(8)} ${file.data.length} ${chunks.length}\n`);
    let base = 0;
    let nextToSend = 0;
    let epoch = 0;
    const inFlight: Sent[] = [];
    const refusals = new Map<number, number>();
    const fill = async () => {
      let lines = '';
      while (nextToSend < chunks.length && nextToSend < base + tuning.window) {
        lines += `${nextToSend} ${chunks[nextToSend]}\n`;
        inFlight.push({ seq: nextToSend++, epoch });
      }
      if (lines) await commands.write(lines);
    };
    await fill();
    while (base < chunks.length) {
      const frame = await next(`chunk ${base} of ${file.path}`);
      const answer = frame.payload.toString('utf8');
      const line = inFlight.shift();
      if (frame.kind === 'ack' && line && answer === String(base)) {
        base++;
      } else if (frame.kind === 'nak' && line && answer === String(base)) {
        if (line.epoch === epoch) {
          const times = (refusals.get(base) ?? 0) + 1;
          if (times > tuning.maxResends) throw new InfraError(`${file.path}: chunk ${base} was refused ${times} times; the line is too damaged to carry files`, { machine });
          refusals.set(base, times);
          resends++;
          epoch++;
          nextToSend = base;
        }
      } else {
        throw new InfraError(`${file.path}: expected an answer for chunk ${base}, got ${frame.kind} ${JSON.stringify(answer.slice(0, 40))}`, { machine });
      }
      await fill();
    }
    const done = await next(`${file.path} to be written`);
    if (done.kind !== 'ack' || done.payload.toString('utf8') !== 'done') {
      throw new InfraError(`${file.path}: the agent wrote a file of the wrong size (${done.kind} ${done.payload.toString('utf8')})`, { machine });
    }
    total += file.data.length;
  }
  return { bytes: total, resends };
}
