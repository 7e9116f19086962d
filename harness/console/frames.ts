import { crc32 } from 'node:zlib';
import { LineSplitter, type LineSplitterOptions } from './line-splitter.js';

/** Record kinds of docs/protocol.md; anything else is a malformed frame. */
export const FRAME_KINDS = [
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
] as const;
export type FrameKind = (typeof FRAME_KINDS)[number];

export interface Frame {
  seq: number;
  kind: FrameKind;
  payload: Buffer;
}

/**
 * - `crc`: the line is shaped like a frame but its checksum does not match: bytes were damaged.
 * - `malformed`: the nonce is there but the rest is not a frame, or a checksummed frame carries a
 *   field the host does not understand (an unknown kind, a bad seq or base64).
 * - `gap`: a valid frame whose seq is not the expected one.
 */
export type FrameErrorReason = 'crc' | 'gap' | 'malformed';

export type FrameEvent =
  | { type: 'frame'; frame: Frame }
  | { type: 'noise'; line: Buffer }
  | {
      type: 'error';
      reason: FrameErrorReason;
      /** The text from the nonce to the end of the line. */
      line: string;
      expectedSeq: number;
      /** Only for `gap`: a damaged frame's seq cannot be trusted. */
      gotSeq?: number;
    };

export type FrameDecoderOptions = LineSplitterOptions;

const NONCE = /^[0-9a-f]{16}$/;
const SEQ = /^(?:0|[1-9][0-9]*)$/;
const CRC = /^[0-9a-f]{8}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const EMPTY_PAYLOAD = '-';
const KINDS: ReadonlySet<string> = new Set(FRAME_KINDS);

/** The frame CRC of docs/protocol.md: zlib's CRC-32, as busybox `crc32` prints it (8 lowercase hex). */
function crcHex(data: Uint8Array): string {
  return crc32(data).toString(16).padStart(8, '0');
}

function checkNonce(nonce: string): void {
  if (!NONCE.test(nonce)) {
    throw new TypeError(`nonce must be 16 lowercase hex characters, got ${JSON.stringify(nonce)}`);
  }
}

/** One frame line, `\n` included, exactly as the agent writes it. */
export function encodeFrame(nonce: string, seq: number, kind: FrameKind, payload: Buffer): string {
  checkNonce(nonce);
  if (!Number.isSafeInteger(seq) || seq < 0) {
    throw new TypeError(`seq must be a non-negative integer, got ${String(seq)}`);
  }
  if (!KINDS.has(kind)) throw new TypeError(`unknown frame kind ${JSON.stringify(kind)}`);
  const body = `${nonce} ${seq} ${kind} ${payload.length === 0 ? EMPTY_PAYLOAD : payload.toString('base64')}`;
  return `${body} ${crcHex(Buffer.from(body, 'latin1'))}\n`;
}

/**
 * Turns a console or channel byte stream into frames of one boot (the nonce), noise and errors.
 *
 * Frames are delivered only in order: the first must have seq 0, each next one seq + 1. A frame with
 * another seq is reported as a `gap` and not delivered, and the decoder then expects the received
 * seq + 1, so one lost frame yields one error rather than an error for every later frame. A damaged
 * frame does not move the expected seq, so the frame after it is a gap too: that frame's data is lost.
 */
export class FrameDecoder {
  private readonly nonce: Buffer;
  private readonly splitter: LineSplitter;
  private expectedSeq = 0;

  constructor(nonce: string, options: FrameDecoderOptions = {}) {
    checkNonce(nonce);
    this.nonce = Buffer.from(nonce, 'latin1');
    this.splitter = new LineSplitter(options);
  }

  push(chunk: Buffer): FrameEvent[] {
    return this.splitter.push(chunk).flatMap((line) => this.decodeLine(line));
  }

  /** The stream ended: an unterminated last line is decoded like any other. */
  end(): FrameEvent[] {
    return this.splitter.flush().flatMap((line) => this.decodeLine(line));
  }

  private decodeLine(line: Buffer): FrameEvent[] {
    const at = line.indexOf(this.nonce);
    if (at === -1) return [{ type: 'noise', line }];
    const events: FrameEvent[] = at > 0 ? [{ type: 'noise', line: line.subarray(0, at) }] : [];
    events.push(this.decodeFrame(line.subarray(at)));
    return events;
  }

  private decodeFrame(bytes: Buffer): FrameEvent {
    const error = (reason: FrameErrorReason, gotSeq?: number): FrameEvent => ({
      type: 'error',
      reason,
      line: bytes.toString('utf8'),
      expectedSeq: this.expectedSeq,
      ...(gotSeq === undefined ? {} : { gotSeq }),
    });

    const fields = bytes.toString('latin1').split(' ');
    if (fields.length !== 5) return error('malformed');
    const [, seqText, kind, payloadText, crcText] = fields as [string, string, string, string, string];
    if (!CRC.test(crcText)) return error('malformed');
    const bodyLength = bytes.length - crcText.length - 1;
    if (crcHex(bytes.subarray(0, bodyLength)) !== crcText) return error('crc');

    const seq = Number(seqText);
    if (!SEQ.test(seqText) || !Number.isSafeInteger(seq)) return error('malformed');
    if (!isFrameKind(kind)) return error('malformed');
    const payload = decodePayload(payloadText);
    if (payload === undefined) return error('malformed');

    if (seq !== this.expectedSeq) {
      const gap = error('gap', seq);
      this.expectedSeq = seq + 1;
      return gap;
    }
    this.expectedSeq = seq + 1;
    return { type: 'frame', frame: { seq, kind, payload } };
  }
}

function isFrameKind(kind: string): kind is FrameKind {
  return KINDS.has(kind);
}

function decodePayload(text: string): Buffer | undefined {
  if (text === EMPTY_PAYLOAD) return Buffer.alloc(0);
  // Node's decoder skips characters it does not know; a frame must not lose bytes silently.
  if (text.length === 0 || !BASE64.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}
