/**
 * The board rows of the fault suite (test/faults/board-suite.ts) in the `vm` project, so CI runs
 * them with `npm test`: each fault done to the emulated board or its lab ends in the class DESIGN.md
 * §7 gives it, with no QEMU, ser2net or staged image left behind and no result lost.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { BOARD_FAULTS, runBoardFaultSuite } from '../../faults/board-suite.js';
import { formatTable, type FaultRow } from '../../faults/suite.js';

describe('board fault suite (the emulated board)', () => {
  let rows: FaultRow[] = [];

  beforeAll(async () => {
    rows = await runBoardFaultSuite({ log: (line) => process.stderr.write(`[board faults] ${line}\n`) });
    process.stderr.write(`\n${formatTable(rows)}\n`);
  }, 20 * 60_000);

  it.each(BOARD_FAULTS.map((f) => f.name))('%s', (name) => {
    const row = rows.find((r) => r.fault === name);
    expect(row, `no row for ${name}`).toBeDefined();
    const context = `${name}:\n${row!.notes.join('\n')}`;
    expect(row!.observed, context).toBe(row!.expected);
    expect(row!.orphans, context).toBe(0);
    expect(row!.lost, context).toBe(0);
  });
});
