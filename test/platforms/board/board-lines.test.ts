import { describe, expect, it } from 'vitest';
import { BoardLineWatch, classifyBoardLine, type BoardEnd } from '../../../platforms/board/board-lines.js';

describe('board console lines', () => {
  it('knows the firmware banner, its version, the kernel start, watchdog resets and the power-down', () => {
    expect(classifyBoardLine('U-Boot 2023.01+dfsg-2+deb12u3 (Jun 22 2026 - 08:38:07 +0000)')).toEqual({ kind: 'firmware', version: '2023.01+dfsg-2+deb12u3' });
    expect(classifyBoardLine('Starting kernel ...')).toEqual({ kind: 'kernel' });
    expect(classifyBoardLine('[    0.000000] Linux version 6.1.0-50-arm64 (debian-kernel@lists.debian.org)')).toEqual({ kind: 'kernel' });
    expect(classifyBoardLine('[   61.2] softdog: Initiating system reboot')).toMatchObject({ kind: 'watchdog' });
    expect(classifyBoardLine('Reset cause: WDOG')).toMatchObject({ kind: 'watchdog' });
    expect(classifyBoardLine('[   12.1] reboot: Power down')).toEqual({ kind: 'powerDown' });
    expect(classifyBoardLine('[    0.1] NMI watchdog: Enabled. Permanently consumes one hw-PMU counter.')).toBeUndefined();
    expect(classifyBoardLine('harness-ok-4-0')).toBeUndefined();
  });

  it('calls a second firmware banner after the kernel an unexpected reset, but not the first', () => {
    const ends: BoardEnd[] = [];
    let firmware = 0;
    const watch = new BoardLineWatch(() => firmware++, (e) => ends.push(e));
    watch.line('U-Boot 2023.01 (Jun 22 2026)');
    watch.line('=> booti ${kernel_addr_r}');
    expect(ends).toEqual([]);
    watch.line('[    0.000000] Linux version 6.1.0');
    watch.line('U-Boot 2023.01 (Jun 22 2026)');
    expect(firmware).toBe(1);
    expect(watch.firmwareVersion).toBe('2023.01');
    expect(ends).toEqual([{ kind: 'reset', detail: expect.stringMatching(/^the board reset: its firmware started again after the kernel/) }]);
  });
});
