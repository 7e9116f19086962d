/**
 * Telnet framing (RFC 854) with the COM-PORT option (RFC 2217), as ser2net's `telnet(rfc2217)`
 * accepter speaks it: 0xFF (IAC) starts a command in both directions, so data bytes of 0xFF travel
 * doubled; options are negotiated with WILL/WONT/DO/DONT; COM-PORT settings are subnegotiations.
 */
export const IAC = 0xff;
const SE = 0xf0;
const SB = 0xfa;
export const WILL = 0xfb;
export const WONT = 0xfc;
export const DO = 0xfd;
export const DONT = 0xfe;

export const OPT_BINARY = 0;
export const OPT_SGA = 3;
export const OPT_COM_PORT = 44;

/** RFC 2217 client commands; the server answers each with the same code plus 100. */
export const COM = { setBaudrate: 1, setDatasize: 2, setParity: 3, setStopsize: 4, setControl: 5, notifyLinestate: 6, setLinestateMask: 10 } as const;
export const SERVER_OFFSET = 100;
/** NOTIFY-LINESTATE bits that mean a byte arrived damaged (RFC 2217 §3: framing, parity, break). */
export const LINESTATE_DAMAGE = 0x08 | 0x04 | 0x10;

type Verb = typeof WILL | typeof WONT | typeof DO | typeof DONT;

export type TelnetEvent =
  | { type: 'negotiate'; verb: Verb; option: number }
  | { type: 'sub'; option: number; data: Buffer };

/** Subnegotiations longer than any COM-PORT message are a peer's garbage: kept bounded, then dropped. */
const MAX_SUB_BYTES = 64;

/** A decoder that keeps its state across chunks: a command may be split anywhere. */
export class TelnetDecoder {
  private state: 'data' | 'iac' | 'verb' | 'sb-option' | 'sb' | 'sb-iac' = 'data';
  private verb: Verb = WILL;
  private subOption = 0;
  private sub: number[] = [];

  push(chunk: Buffer): { data: Buffer; events: TelnetEvent[] } {
    const out = Buffer.allocUnsafe(chunk.length);
    let n = 0;
    const events: TelnetEvent[] = [];
    for (const byte of chunk) {
      switch (this.state) {
        case 'data':
          if (byte === IAC) this.state = 'iac';
          else out[n++] = byte;
          break;
        case 'iac':
          if (byte === IAC) {
            out[n++] = IAC;
            this.state = 'data';
          } else if (byte === WILL || byte === WONT || byte === DO || byte === DONT) {
            this.verb = byte;
            this.state = 'verb';
          } else if (byte === SB) {
            this.state = 'sb-option';
          } else {
            // NOP, GA, AYT and friends carry nothing a UART needs.
            this.state = 'data';
          }
          break;
        case 'verb':
          events.push({ type: 'negotiate', verb: this.verb, option: byte });
          this.state = 'data';
          break;
        case 'sb-option':
          this.subOption = byte;
          this.sub = [];
          this.state = 'sb';
          break;
        case 'sb':
          if (byte === IAC) this.state = 'sb-iac';
          else if (this.sub.length < MAX_SUB_BYTES) this.sub.push(byte);
          break;
        case 'sb-iac':
          if (byte === SE) {
            if (this.sub.length < MAX_SUB_BYTES) events.push({ type: 'sub', option: this.subOption, data: Buffer.from(this.sub) });
            this.state = 'data';
          } else {
            if (byte === IAC && this.sub.length < MAX_SUB_BYTES) this.sub.push(IAC);
            this.state = 'sb';
          }
          break;
      }
    }
    return { data: out.subarray(0, n), events };
  }
}

/** Doubles every 0xFF so the peer reads it as data. */
export function escapeIac(data: Buffer): Buffer {
  let count = 0;
  for (const byte of data) if (byte === IAC) count++;
  if (count === 0) return data;
  const out = Buffer.allocUnsafe(data.length + count);
  let n = 0;
  for (const byte of data) {
    out[n++] = byte;
    if (byte === IAC) out[n++] = IAC;
  }
  return out;
}

export function negotiation(verb: number, option: number): Buffer {
  return Buffer.from([IAC, verb, option]);
}

/** `IAC SB COM-PORT-OPTION <command> <value> IAC SE`, the value escaped like data. */
export function comPortCommand(command: number, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([IAC, SB, OPT_COM_PORT, command]), escapeIac(value), Buffer.from([IAC, SE])]);
}

/** SET-BAUDRATE, 8 data bits, no parity, one stop bit, no flow control, and framing/parity/break reports. */
export function lineSettings(baud: number): Buffer[] {
  const rate = Buffer.alloc(4);
  rate.writeUInt32BE(baud);
  return [
    comPortCommand(COM.setBaudrate, rate),
    comPortCommand(COM.setDatasize, Buffer.from([8])),
    comPortCommand(COM.setParity, Buffer.from([1])),
    comPortCommand(COM.setStopsize, Buffer.from([1])),
    comPortCommand(COM.setControl, Buffer.from([1])),
    comPortCommand(COM.setLinestateMask, Buffer.from([LINESTATE_DAMAGE])),
  ];
}

/**
 * Our side of option negotiation: binary both ways (no CR/NUL rewriting), suppress go-ahead, and
 * COM-PORT on our side; every other option is refused. Answers only changes, so no request loops.
 */
export class TelnetOptions {
  private readonly ours = new Set<number>([OPT_BINARY, OPT_SGA, OPT_COM_PORT]);
  private readonly theirs = new Set<number>([OPT_BINARY, OPT_SGA]);
  private readonly agreedOurs = new Set<number>();
  private readonly agreedTheirs = new Set<number>();

  /** What we announce when the connection opens. */
  opening(): Buffer {
    return Buffer.concat([
      ...[...this.ours].map((o) => negotiation(WILL, o)),
      ...[...this.theirs].map((o) => negotiation(DO, o)),
    ]);
  }

  /** Whether the server agreed to COM-PORT (it said DO COM-PORT-OPTION). */
  get comPort(): boolean {
    return this.agreedOurs.has(OPT_COM_PORT);
  }

  answer(verb: number, option: number): Buffer | undefined {
    if (verb === DO) {
      if (this.agreedOurs.has(option)) return undefined;
      if (!this.ours.has(option)) return negotiation(WONT, option);
      this.agreedOurs.add(option);
      return undefined;
    }
    if (verb === WILL) {
      if (this.agreedTheirs.has(option)) return undefined;
      if (!this.theirs.has(option)) return negotiation(DONT, option);
      this.agreedTheirs.add(option);
      return undefined;
    }
    if (verb === DONT) this.agreedOurs.delete(option);
    if (verb === WONT) this.agreedTheirs.delete(option);
    return undefined;
  }
}
