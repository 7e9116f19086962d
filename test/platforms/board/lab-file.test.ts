import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabFileErrors, loadLab } from '../../../platforms/board/lab/load-lab.js';

const dir = mkdtempSync(join(tmpdir(), 'harness-lab-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lab(text: string): string {
  const file = join(dir, `lab-${Math.random().toString(16).slice(2)}.yaml`);
  writeFileSync(file, text);
  return file;
}

const GOOD = `boards:
  - name: rpi4-1
    arch: arm64
    labels: [rpi4]
    console: ttyS1
    serial: { device: /dev/ttyUSB0, baud: 115200 }
    power: { driver: pdudaemon, pdu: pdu-1, port: 3 }
    boot: { method: u-boot, network: dhcp }
    login: { user: pi, password-env: RPI_PASSWORD }
    images: { tftp: tftp }
  - name: flash-board
    arch: x86_64
    console: ttyS0
    serial: { tcp: 'lab-host:3001', protocol: rfc2217 }
    power: { driver: command, on: [relay, 'on', '2'], off: [relay, 'off', '2'] }
    boot: { method: direct }
`;

describe('lab file', () => {
  it('fills the defaults and makes paths relative to the file absolute', () => {
    const loaded = loadLab(lab(GOOD), '/cache');
    expect(loaded.stateDir).toBe('/cache/lab');
    expect(loaded['quarantine-after']).toBe(3);
    const [rpi, flash] = loaded.boards;
    expect(rpi!.images).toEqual({ tftp: join(dir, 'tftp'), payload: 'initrd' });
    expect(rpi!.power).toEqual({ driver: 'pdudaemon', url: 'http://localhost:16421', pdu: 'pdu-1', port: '3', timeout: 60_000 });
    expect(rpi!.boot).toMatchObject({ method: 'u-boot', prompt: '=> ', command: 'booti', fdt: '${fdtcontroladdr}' });
    expect(flash!.serial).toEqual({ tcp: 'lab-host:3001', protocol: 'rfc2217', baud: 115200, 'line-pause': 0 });
    expect(flash!.login).toBe('shell');
    expect(flash!.images).toBe('flash');
  });

  it('reports every problem at once as file:line:col: field: problem', () => {
    const file = lab(`boards:
  - name: Bad Name
    arch: armv7
    console: ttyS0
    serial: { device: /dev/ttyUSB0, baud: fast }
    power: { driver: relay }
    boot: { method: u-boot }
    colour: blue
  - name: ok
    arch: arm64
    console: ttyS0
    serial: { tcp: nowhere }
    power: { driver: command, on: 'relay on', off: [relay] }
    boot: { method: direct }
    images: { tftp: /srv }
`);
    let problems: string[] = [];
    try {
      loadLab(file, '/cache');
    } catch (error) {
      expect(error).toBeInstanceOf(LabFileErrors);
      problems = (error as LabFileErrors).problems.map((p) => p.message);
    }
    expect(problems).toEqual([
      `${file}:2:5: boards[0].images: u-boot loads the kernel over TFTP: give \`images: {tftp: <folder>}\``,
      `${file}:2:11: boards[0].name: use 1-63 of a-z 0-9 . _ -, starting with a letter or digit`,
      `${file}:3:11: boards[0].arch: "armv7" is not one of x86_64, arm64, s390x`,
      `${file}:5:13: boards[0].serial: expected \`device: /dev/ttyUSB0\` (a local UART) or \`tcp: host:port\` (ser2net)`,
      `${file}:6:22: boards[0].power.driver: must be one of command, pdudaemon, manual`,
      `${file}:8:5: boards[0].colour: unknown key (known: name, arch, labels, console, serial, power, boot, login, images)`,
      `${file}:12:20: boards[1].serial.tcp: expected host:port`,
      `${file}:13:35: boards[1].power.on: expected a list, got a string`,
      `${file}:15:13: boards[1].images: a board that boots by itself takes no images: use \`images: flash\``,
    ]);
  });

  it('refuses a board name given twice and a file that is not there', () => {
    const twice = lab(`${GOOD}  - name: rpi4-1\n    arch: arm64\n    console: ttyS0\n    serial: { device: /dev/x }\n    power: { driver: manual }\n    boot: { method: direct }\n`);
    expect(() => loadLab(twice, '/c')).toThrow(/:17:11: boards\[2\]\.name: "rpi4-1" is also boards\[0\]/);
    expect(() => loadLab(join(dir, 'missing.yaml'), '/c')).toThrow(/missing\.yaml: cannot read the lab file: ENOENT/);
  });
});
