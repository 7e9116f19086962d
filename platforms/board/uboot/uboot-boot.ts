import { InfraError } from '../../../harness/model/errors.js';
import type { PhaseName, TransferRecord } from '../../../harness/model/types.js';
import type { Console } from '../../platform.js';
import type { UBootSpec } from '../lab/schema.js';
import { ConsoleExpect } from './console-expect.js';
import { bootCommand, checked, ubootSteps, type StagedNames } from './uboot-commands.js';

export interface UBootBoot {
  board: string;
  console: Console;
  spec: UBootSpec;
  bootargs: string;
  names: StagedNames;
  kernelBytes: number;
  /** Rejects when the machine breaks under us (UART gone, baud mismatch). */
  broken: Promise<never>;
  now(): number;
  onPhase(phase: PhaseName, atMs: number): void;
  onTransfer?(transfer: TransferRecord): void;
}

const AUTOBOOT = /Hit any key to stop autoboot|autoboot in \d+ seconds/i;
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** After the key: the prompt comes at once from a U-Boot that took it. */
const PROMPT_AFTER_KEY_MS = 10_000;

/**
 * Takes a board from power-on to a started kernel through U-Boot: interrupts autoboot (or finds the
 * prompt where autoboot is off), runs each step and checks its status before the next, loads kernel
 * and initrd over TFTP (recording their speed), then sends the boot command. The core watches the
 * kernel from there.
 */
export async function bootWithUBoot(boot: UBootBoot): Promise<void> {
  const { console, spec } = boot;
  const expect = new ConsoleExpect(console, boot.broken, boot.board);
  const prompt = new RegExp(`${escapeRegExp(spec.prompt)}$`);
  const first = await expect.tail(new RegExp(`${AUTOBOOT.source}|${escapeRegExp(spec.prompt)}$`, 'i'), spec.timeout, "U-Boot's autoboot countdown or prompt");
  if (AUTOBOOT.test(first[0])) {
    await console.write(spec.interrupt);
    await expect.tail(prompt, PROMPT_AFTER_KEY_MS, `U-Boot's prompt "${spec.prompt}" after interrupting autoboot`);
  }
  boot.onPhase('bootloader', boot.now());

  const steps = ubootSteps(spec, boot.bootargs, boot.names, boot.kernelBytes);
  for (const [index, step] of steps.entries()) {
    const { line, answer } = checked(step.command, index + 1);
    const started = boot.now();
    const result = expect.line(answer, spec.timeout, `the result of \`${step.command}\``);
    await console.write(line);
    const status = Number((await result)[1]);
    if (status !== 0) {
      throw new InfraError(`${boot.board}: U-Boot's \`${step.command}\` failed (status ${status}): ${expect.lastLines(4)}`, { machine: boot.board, phase: 'imagesLoaded' });
    }
    if (step.load) boot.onTransfer?.({ what: step.what, bytes: step.load.bytes, ms: Math.round(boot.now() - started) });
    await expect.tail(prompt, PROMPT_AFTER_KEY_MS, `U-Boot's prompt after \`${step.command}\``);
  }
  boot.onPhase('imagesLoaded', boot.now());
  await console.write(`${bootCommand(spec, boot.names.initrdBytes)}\n`);
}
