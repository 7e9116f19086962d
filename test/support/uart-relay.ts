/**
 * A UART's wire, for tests and the bench: a TCP server that carries a local device's bytes (the
 * emulated board's pty) at a line rate in both directions, as ser2net's raw TCP would over a real
 * 115200-baud UART. A pty moves bytes at memory speed; this makes them take the time a wire takes.
 * While bytes towards the host wait, the device is not read, so the board blocks as it would on a
 * UART that shifts bits out at the line rate. With `garble`, bytes come out as a receiver at the
 * wrong baud rate reads them: noise.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { SerialPort } from 'serialport';

export interface RelayOptions {
  device: string;
  /** 11,520 for 115200 baud 8N1. */
  bytesPerSecond: number;
  garble?: boolean;
}

export interface Relay {
  port: number;
  /** Bytes carried each way so far. */
  carried: { toHost: number; toBoard: number };
  /** Garbles from now on (or stops garbling), as a UART set to another rate and back. */
  garble: boolean;
  /** Ends the current connection as an unplugged cable would, leaving the server up. */
  unplug(): void;
  stop(): Promise<void>;
}

const TICK_MS = 10;
/** What waits to go to the host before the device is no longer read. */
const HIGH_WATER = 4096;

/** Bytes as a receiver clocked at another rate samples them: no longer text. */
const garbled = (chunk: Buffer) => Buffer.from(chunk.map((b, i) => (b * 167 + 13 + i * 29) & 0xff));

/** Sends queued bytes at `bytesPerSecond`, from one start time so timer lateness does not add up. */
class Pacer {
  private queue: Buffer[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  private start = 0;
  private sent = 0;

  constructor(
    private readonly bytesPerSecond: number,
    private readonly out: (chunk: Buffer) => void,
    private readonly onLevel: (queued: number) => void = () => {},
  ) {}

  push(chunk: Buffer): void {
    this.queue.push(chunk);
    this.queued += chunk.length;
    this.onLevel(this.queued);
    if (!this.timer) {
      this.start = performance.now();
      this.sent = 0;
      this.timer = setInterval(() => this.tick(), TICK_MS);
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const allowed = Math.floor(((performance.now() - this.start) * this.bytesPerSecond) / 1000) - this.sent;
    let budget = allowed;
    const parts: Buffer[] = [];
    while (budget > 0 && this.queue.length) {
      const head = this.queue[0]!;
      const take = head.subarray(0, budget);
      parts.push(take);
      budget -= take.length;
      if (take.length === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(take.length);
    }
    const bytes = allowed - budget;
    this.sent += bytes;
    this.queued -= bytes;
    if (parts.length) this.out(Buffer.concat(parts));
    this.onLevel(this.queued);
    if (!this.queue.length) this.stop();
  }
}

export async function startRelay(options: RelayOptions): Promise<Relay> {
  const carried = { toHost: 0, toBoard: 0 };
  let current: { socket: Socket; port: SerialPort; pacers: Pacer[] } | undefined;
  const drop = () => {
    if (!current) return;
    const { socket, port, pacers } = current;
    current = undefined;
    for (const p of pacers) p.stop();
    socket.destroy();
    if (port.isOpen) port.close(() => undefined);
  };
  const server: Server = createServer((socket) => {
    drop();
    const port = new SerialPort({ path: options.device, baudRate: 115200, autoOpen: false, hupcl: false });
    port.open((error) => {
      if (error) {
        // As ser2net says it, then closes.
        socket.end(`Device open failure: ${error.message}\r\n`);
        return;
      }
      const mangle = (b: Buffer) => (relay.garble ? garbled(b) : b);
      const toHost = new Pacer(options.bytesPerSecond, (b) => {
        carried.toHost += b.length;
        socket.write(mangle(b));
      }, (queued) => (queued > HIGH_WATER ? port.pause() : port.resume()));
      const toBoard = new Pacer(options.bytesPerSecond, (b) => {
        carried.toBoard += b.length;
        port.write(mangle(b));
      });
      current = { socket, port, pacers: [toHost, toBoard] };
      port.on('data', (b: Buffer) => toHost.push(b));
      port.on('close', () => current?.port === port && drop());
      port.on('error', () => undefined);
      socket.on('data', (b: Buffer) => toBoard.push(b));
    });
    socket.on('close', () => current?.socket === socket && drop());
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the relay has no TCP port');
  const relay: Relay = {
    port: address.port,
    carried,
    garble: options.garble ?? false,
    unplug: drop,
    stop: async () => {
      drop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return relay;
}
