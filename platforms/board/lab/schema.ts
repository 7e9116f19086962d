import { z } from 'zod';
import { UsageError } from '../../../harness/model/errors.js';
import { ARCHES } from '../../../harness/model/types.js';
import { parseDuration } from '../../../harness/select/duration.js';
import { isRecord, toSchemaIssues, type Checked } from '../../../harness/select/located-yaml.js';
import { NAME_PATTERN, NAME_RULE, uniqueItems } from '../../../harness/select/schema.js';

const duration = z
  .union([z.string(), z.number()], { errorMap: () => ({ message: 'expected a duration like 30s, 2m, 500ms' }) })
  .transform((value, ctx) => {
    try {
      return parseDuration(value, 'duration');
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.problem });
      return z.NEVER;
    }
  });

/** A program and its arguments, never a shell string: no word of it is split or expanded. */
const argv = z.array(z.string().min(1)).min(1);

const baud = z.number().int().positive().default(115200);
/** What lines wait after each newline we send, for a UART whose far end reads slowly. */
const linePause = duration.default(0);

const serialSchema = z.union([
  z.object({ device: z.string().min(1), baud, 'line-pause': linePause }).strict(),
  z
    .object({
      tcp: z.string().regex(/^[^\s:]+:\d{1,5}$/, { message: 'expected host:port' }),
      protocol: z.enum(['raw', 'rfc2217']).default('raw'),
      baud,
      'line-pause': linePause,
    })
    .strict(),
], { errorMap: () => ({ message: 'expected `device: /dev/ttyUSB0` (a local UART) or `tcp: host:port` (ser2net)' }) });

const powerSchema = z.discriminatedUnion('driver', [
  z.object({ driver: z.literal('command'), on: argv, off: argv, cycle: argv.optional(), timeout: duration.default('60s') }).strict(),
  z
    .object({
      driver: z.literal('pdudaemon'),
      url: z.string().url().default('http://localhost:16421'),
      pdu: z.string().min(1),
      port: z.union([z.number().int().nonnegative(), z.string().min(1)]).transform(String),
      timeout: duration.default('60s'),
    })
    .strict(),
  z.object({ driver: z.literal('manual') }).strict(),
]);

/** U-Boot variables or numbers: they are typed at the board's prompt, so nothing that ends a command. */
const ubootWord = z.string().regex(/^[A-Za-z0-9_${}.:x-]+$/, { message: 'use a U-Boot variable like ${kernel_addr_r} or an address' });

const networkSchema = z.union([
  z.literal('dhcp'),
  z.object({ ipaddr: z.string().ip(), serverip: z.string().ip(), netmask: z.string().ip().optional() }).strict(),
]);

const bootSchema = z.discriminatedUnion('method', [
  z
    .object({
      method: z.literal('u-boot'),
      prompt: z.string().min(1).default('=> '),
      interrupt: z.string().min(1).default('\n'),
      network: networkSchema.optional(),
      command: z.enum(['booti', 'bootz', 'bootm']).default('booti'),
      'kernel-addr': ubootWord.default('${kernel_addr_r}'),
      'ramdisk-addr': ubootWord.default('${ramdisk_addr_r}'),
      fdt: ubootWord.default('${fdtcontroladdr}'),
      /** Commands to run before loading (`pci enum`, `usb start`), each checked like ours. */
      before: z.array(z.string().min(1).regex(/^[^;\n]+$/, { message: 'one command, no ; or newline' })).default([]),
      timeout: duration.default('60s'),
    })
    .strict(),
  z.object({ method: z.literal('direct') }).strict(),
]);

const loginSchema = z.union([
  z.literal('shell'),
  z.object({ user: z.string().regex(/^[a-z_][a-z0-9_-]*$/, { message: 'a user name' }), 'password-env': z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional() }).strict(),
]);

const imagesSchema = z.union([
  z.literal('flash'),
  z.object({ tftp: z.string().min(1), payload: z.enum(['initrd', 'uart']).default('initrd') }).strict(),
]);

const boardSchema = z
  .object({
    name: z.string().regex(NAME_PATTERN, { message: NAME_RULE }),
    arch: z.enum(ARCHES),
    labels: z.array(z.string().regex(/^[^\s,!][^\s,]*$/, { message: 'labels have no spaces or commas and do not start with !' })).superRefine(uniqueItems).default([]),
    /** The kernel's name of the UART (ttyS0, ttyAMA0): `console=` goes last on the command line. */
    console: z.string().regex(/^tty[A-Za-z0-9]+$/, { message: 'a kernel console device like ttyS0 or ttyAMA0' }),
    serial: serialSchema,
    power: powerSchema,
    boot: bootSchema,
    login: loginSchema.default('shell'),
    images: imagesSchema.default('flash'),
  })
  .strict();

export const labFileSchema = z
  .object({
    /** Lease and health files; default `<cache>/lab`. */
    state: z.string().min(1).optional(),
    'quarantine-after': z.number().int().positive().default(3),
    heartbeat: duration.default('5s'),
    'lease-expiry': duration.default('30s'),
    boards: z.array(boardSchema).min(1),
  })
  .strict();

export type LabFile = z.output<typeof labFileSchema>;
export type BoardSpec = LabFile['boards'][number];
export type SerialSpec = BoardSpec['serial'];
export type PowerSpec = BoardSpec['power'];
export type BootSpec = BoardSpec['boot'];
export type UBootSpec = Extract<BootSpec, { method: 'u-boot' }>;

const KNOWN_KEYS: Record<string, string[]> = {
  '': Object.keys(labFileSchema.shape),
  board: Object.keys(boardSchema.shape),
};

/** Keys allowed at a path: top level, a board, or (by its `driver`/`method`) one of its parts. */
function knownKeys(path: Array<string | number>): string[] {
  if (path.length === 0) return KNOWN_KEYS['']!;
  if (path.length === 2) return KNOWN_KEYS.board!;
  const part = path[2];
  if (part === 'serial') return ['device', 'tcp', 'protocol', 'baud', 'line-pause'];
  if (part === 'power') return ['driver', 'on', 'off', 'cycle', 'timeout', 'url', 'pdu', 'port'];
  if (part === 'boot') return ['method', 'prompt', 'interrupt', 'network', 'command', 'kernel-addr', 'ramdisk-addr', 'fdt', 'before', 'timeout'];
  if (part === 'login') return ['user', 'password-env'];
  return ['tftp', 'payload'];
}

/** Validates parsed lab.yaml data, every problem at once. */
export function checkLabFile(data: unknown): Checked<LabFile> {
  const parsed = labFileSchema.safeParse(data);
  const issues = [...(parsed.success ? [] : parsed.error.issues.flatMap((issue) => toSchemaIssues(issue, knownKeys))), ...crossFieldIssues(data)];
  if (!parsed.success || issues.length > 0) return { ok: false, issues };
  return { ok: true, value: parsed.data };
}

/** Rules across boards and keys, read from the raw data so they show even beside type errors. */
function crossFieldIssues(data: unknown): { path: Array<string | number>; message: string }[] {
  if (!isRecord(data) || !Array.isArray(data.boards)) return [];
  const issues: { path: Array<string | number>; message: string }[] = [];
  const seen = new Map<unknown, number>();
  data.boards.forEach((board: unknown, index) => {
    if (!isRecord(board)) return;
    const first = seen.get(board.name);
    if (typeof board.name === 'string' && first !== undefined) issues.push({ path: ['boards', index, 'name'], message: `"${board.name}" is also boards[${first}]` });
    else seen.set(board.name, index);
    const boot = isRecord(board.boot) ? board.boot.method : undefined;
    const images = board.images;
    if (boot === 'u-boot' && (images === undefined || images === 'flash')) {
      issues.push({ path: ['boards', index, 'images'], message: 'u-boot loads the kernel over TFTP: give `images: {tftp: <folder>}`' });
    }
    if (boot === 'direct' && isRecord(images)) {
      issues.push({ path: ['boards', index, 'images'], message: 'a board that boots by itself takes no images: use `images: flash`' });
    }
  });
  return issues;
}
