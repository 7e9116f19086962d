import { createRequire } from 'node:module';
import { WireOpenError, type Wire, type WireEnd } from './wire.js';

/** Errors that mean the device is not there yet (unplugged adapter, board not powered, pty not made). */
const NOT_YET = /ENOENT|ENXIO|ENODEV|No such file|cannot open/i;

/** serialport and its native binding, loaded on first use: 15 MiB that a run without a local UART should not carry. */
const serialport = () => createRequire(import.meta.url)('serialport') as typeof import('serialport');

/** A local UART (a USB-serial adapter, a pty) through `serialport`: 8N1, no flow control, raw. */
export function openLocalUart(path: string, baud: number): Promise<Wire> {
  return new Promise((resolve, reject) => {
    const port = new (serialport().SerialPort)({ path, baudRate: baud, dataBits: 8, parity: 'none', stopBits: 1, rtscts: false, xon: false, xoff: false, autoOpen: false, hupcl: false });
    port.open((error) => {
      if (error) {
        reject(new WireOpenError(`cannot open the UART ${path}: ${error.message}`, NOT_YET.test(error.message), error));
        return;
      }
      let byUs = false;
      const ended = new Promise<WireEnd>((done) => {
        port.on('close', (closeError?: Error | null) => done({ byUs, reason: byUs ? 'closed' : `the UART ${path} went away (${closeError?.message ?? 'closed'}): unplugged, or the board lost power` }));
      });
      port.on('error', () => {
        // A read error on an unplugged device is followed by 'close', which carries the news.
      });
      resolve({
        name: path,
        onData: (listener) => port.on('data', listener),
        onDamage: () => {
          // A local tty reports framing errors only as NUL bytes (no PARMRK): the baud check counts those.
        },
        write: (data) =>
          new Promise((done, fail) => {
            port.write(data, (writeError) => (writeError ? fail(writeError) : port.drain((drainError) => (drainError ? fail(drainError) : done()))));
          }),
        ended,
        close: async () => {
          byUs = true;
          if (port.isOpen) await new Promise<void>((done) => port.close(() => done()));
          await ended;
        },
      });
    });
  });
}
