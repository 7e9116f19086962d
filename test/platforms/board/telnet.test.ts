import { describe, expect, it } from 'vitest';
import { COM, DO, DONT, escapeIac, IAC, lineSettings, OPT_BINARY, OPT_COM_PORT, TelnetDecoder, TelnetOptions, WILL, WONT } from '../../../platforms/board/serial/telnet.js';

const SB = 0xfa;
const SE = 0xf0;

describe('telnet decoder', () => {
  it('passes data, undoubles 0xFF and takes out negotiations and subnegotiations, however the chunks are cut', () => {
    const stream = Buffer.from([0x41, IAC, IAC, 0x42, IAC, WILL, OPT_BINARY, 0x43, IAC, SB, OPT_COM_PORT, 101, 0, 1, 0xc2, 0, IAC, SE, 0x44]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new TelnetDecoder();
      const a = decoder.push(stream.subarray(0, cut));
      const b = decoder.push(stream.subarray(cut));
      expect(Buffer.concat([a.data, b.data])).toEqual(Buffer.from([0x41, 0xff, 0x42, 0x43, 0x44]));
      expect([...a.events, ...b.events]).toEqual([
        { type: 'negotiate', verb: WILL, option: OPT_BINARY },
        { type: 'sub', option: OPT_COM_PORT, data: Buffer.from([101, 0, 1, 0xc2, 0]) },
      ]);
    }
  });

  it('keeps a doubled 0xFF inside a subnegotiation as one byte and drops an endless one', () => {
    const decoder = new TelnetDecoder();
    const { events } = decoder.push(Buffer.from([IAC, SB, OPT_COM_PORT, 101, IAC, IAC, 0, 0, 0, IAC, SE]));
    expect(events).toEqual([{ type: 'sub', option: OPT_COM_PORT, data: Buffer.from([101, 0xff, 0, 0, 0]) }]);
    const flood = decoder.push(Buffer.concat([Buffer.from([IAC, SB, OPT_COM_PORT]), Buffer.alloc(10_000, 7), Buffer.from([IAC, SE, 0x45])]));
    expect(flood).toEqual({ data: Buffer.from([0x45]), events: [] });
  });
});

describe('telnet encoding', () => {
  it('doubles 0xFF in data', () => {
    expect(escapeIac(Buffer.from([1, 0xff, 2, 0xff]))).toEqual(Buffer.from([1, 0xff, 0xff, 2, 0xff, 0xff]));
  });

  it('asks for the baud rate as RFC 2217 says: four bytes in network order inside IAC SB 44 … IAC SE', () => {
    const [baud, size, parity, stop, control] = lineSettings(115200);
    expect(baud).toEqual(Buffer.from([IAC, SB, OPT_COM_PORT, COM.setBaudrate, 0x00, 0x01, 0xc2, 0x00, IAC, SE]));
    expect(size).toEqual(Buffer.from([IAC, SB, OPT_COM_PORT, COM.setDatasize, 8, IAC, SE]));
    expect(parity).toEqual(Buffer.from([IAC, SB, OPT_COM_PORT, COM.setParity, 1, IAC, SE]));
    expect(stop).toEqual(Buffer.from([IAC, SB, OPT_COM_PORT, COM.setStopsize, 1, IAC, SE]));
    expect(control).toEqual(Buffer.from([IAC, SB, OPT_COM_PORT, COM.setControl, 1, IAC, SE]));
    // 16_777_215 is 0x00FFFFFF: each 0xFF doubled.
    expect(lineSettings(0xffffff)[0]).toEqual(Buffer.from([IAC, SB, OPT_COM_PORT, 1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, IAC, SE]));
  });

  it('refuses options it does not know and answers each change once', () => {
    const options = new TelnetOptions();
    expect(options.answer(DO, 24)).toEqual(Buffer.from([IAC, WONT, 24]));
    expect(options.answer(WILL, 1)).toEqual(Buffer.from([IAC, DONT, 1]));
    expect(options.comPort).toBe(false);
    expect(options.answer(DO, OPT_COM_PORT)).toBeUndefined();
    expect(options.answer(DO, OPT_COM_PORT)).toBeUndefined();
    expect(options.comPort).toBe(true);
    expect(options.opening()).toEqual(Buffer.from([IAC, WILL, 0, IAC, WILL, 3, IAC, WILL, 44, IAC, DO, 0, IAC, DO, 3]));
  });
});
