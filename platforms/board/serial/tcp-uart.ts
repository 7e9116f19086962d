import { connect, type Socket } from 'node:net';
import { COM, escapeIac, LINESTATE_DAMAGE, lineSettings, OPT_COM_PORT, SERVER_OFFSET, TelnetDecoder, TelnetOptions } from './telnet.js';
import { WireOpenError, type Wire, type WireEnd } from './wire.js';

export interface TcpUartSpec {
  host: string;
  port: number;
  protocol: 'raw' | 'rfc2217';
  baud: number;
}

/**
 * ser2net closes a connection at once when its device cannot be opened (it says "Device open failure"
 * first): a connection still up this long afterwards is a UART.
 */
const SETTLE_MS = 300;
/** How long the server may take to confirm the baud rate over RFC 2217. */
const COM_PORT_REPLY_MS = 3000;
/** What the far end may say while the connection settles; anything more is the board talking. */
const SETTLE_KEEP_BYTES = 4096;

/** A UART exported over TCP by ser2net: raw bytes, or telnet with RFC 2217 line settings. */
export function openTcpUart(spec: TcpUartSpec): Promise<Wire> {
  const name = `ser2net ${spec.host}:${spec.port} (${spec.protocol})`;
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: spec.host, port: spec.port });
    socket.setNoDelay(true);
    const telnet = spec.protocol === 'rfc2217' ? { decoder: new TelnetDecoder(), options: new TelnetOptions() } : undefined;
    const dataListeners = new Set<(chunk: Buffer) => void>();
    const damageListeners = new Set<(count: number) => void>();
    let early: Buffer[] = [];
    let earlyBytes = 0;
    let baudConfirmed: (() => void) | undefined;
    let byUs = false;
    let settled = false;

    const deliver = (data: Buffer) => {
      if (!data.length) return;
      if (!settled) {
        if (earlyBytes < SETTLE_KEEP_BYTES) early.push(data);
        earlyBytes += data.length;
        return;
      }
      for (const listener of dataListeners) listener(data);
    };
    socket.on('data', (chunk: Buffer) => {
      if (!telnet) return deliver(chunk);
      const { data, events } = telnet.decoder.push(chunk);
      for (const event of events) {
        if (event.type === 'negotiate') {
          const reply = telnet.options.answer(event.verb, event.option);
          if (reply) socket.write(reply);
        } else if (event.option === OPT_COM_PORT) {
          const code = event.data[0];
          if (code === COM.setBaudrate + SERVER_OFFSET) baudConfirmed?.();
          if (code === COM.notifyLinestate + SERVER_OFFSET && ((event.data[1] ?? 0) & LINESTATE_DAMAGE)) for (const l of damageListeners) l(1);
        }
      }
      deliver(data);
    });
    const ended = new Promise<WireEnd>((done) => {
      socket.on('close', () => done({ byUs, reason: byUs ? 'closed' : `${name} dropped the connection: ser2net stopped, the network failed, or another user took the port` }));
    });
    let lastError = '';
    socket.on('error', (error) => {
      lastError = error.message;
    });

    const fail = (message: string, retry: boolean) => {
      socket.destroy();
      reject(new WireOpenError(message, retry));
    };
    void ended.then(() => {
      if (settled) return;
      const said = Buffer.concat(early).toString('latin1').trim().split('\n')[0]?.trim();
      // Refused (nothing listens yet) or ser2net could not open the device: both may pass after power-on.
      fail(`cannot open the UART through ${name}: ${said || lastError || 'the connection closed at once'}`, true);
    });
    socket.on('connect', async () => {
      if (telnet) {
        socket.write(telnet.options.opening());
        const confirmed = new Promise<boolean>((done) => {
          baudConfirmed = () => done(true);
          setTimeout(() => done(false), COM_PORT_REPLY_MS);
        });
        for (const message of lineSettings(spec.baud)) socket.write(message);
        if (!(await confirmed)) {
          if (!socket.destroyed) fail(`${name} did not confirm the baud rate ${spec.baud} over RFC 2217 (is it a telnet(rfc2217) accepter?)`, false);
          return;
        }
      }
      await new Promise((done) => setTimeout(done, SETTLE_MS));
      if (socket.destroyed) return;
      settled = true;
      const kept = early;
      early = [];
      resolve({
        name,
        onData: (listener) => {
          dataListeners.add(listener);
          for (const chunk of kept.splice(0)) listener(chunk);
        },
        onDamage: (listener) => damageListeners.add(listener),
        write: (data) =>
          new Promise((done, failWrite) => {
            socket.write(telnet ? escapeIac(data) : data, (error) => (error ? failWrite(error) : done()));
          }),
        ended,
        close: async () => {
          byUs = true;
          socket.end();
          socket.destroySoon();
          setTimeout(() => socket.destroy(), 1000).unref();
          await ended;
        },
      });
    });
  });
}
