import { z } from 'zod';
import { UsageError } from '../model/errors.js';
import { ARCHES, PLATFORM_KINDS, RESULT_KINDS, RUNTIMES, type CaseDef } from '../model/types.js';
import { parseDuration } from './duration.js';
import { isRecord, toSchemaIssues, type Checked, type SchemaIssue } from './located-yaml.js';
import { ALL_CAPABILITIES, DEFAULT_CAPABILITIES } from '../model/capabilities.js';

/**
 * Case ids, case names, container names and rootfs names. They end up in guest paths, frame payloads
 * split on spaces, and the container's hostname, which Linux caps at 64 bytes.
 */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const NAME_RULE = 'use 1-63 of a-z 0-9 . _ -, starting with a letter or digit';

// `!` selects exclusion and `,` may separate labels on the command line, so neither can be in one.
export const LABEL_PATTERN = /^[^\s,!][^\s,]*$/;
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

const name = z.string().regex(NAME_PATTERN, { message: NAME_RULE });

export function uniqueItems<T>(list: T[], ctx: z.RefinementCtx): void {
  list.forEach((item, index) => {
    const first = list.indexOf(item);
    if (first !== index) {
      ctx.addIssue({ code: 'custom', path: [index], message: `"${String(item)}" is listed twice` });
    }
  });
}

const run = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], {
  errorMap: () => ({ message: 'expected a command string or a list of argv strings' }),
});

const containerSchema = z
  .object({
    name,
    rootfs: name.default('base'),
    run: run.transform((value) => (typeof value === 'string' ? ['/bin/sh', '-c', value] : value)),
    env: z
      .record(
        z
          .string()
          .regex(ENV_NAME_PATTERN, { message: 'environment variable names use A-Z a-z 0-9 _, not starting with a digit' })
          .refine((key) => !key.startsWith('HARNESS_'), { message: 'HARNESS_* variables are set by the harness' }),
        z.string(),
      )
      .default({}),
  })
  .strict();

/** A duration (`30s`, `2m`, `500ms`, or bare seconds) as milliseconds. */
export const durationMs = z
  .union([z.string(), z.number()], { errorMap: () => ({ message: 'expected a duration like 30s, 2m, 500ms' }) })
  .transform((value, ctx) => {
    try {
      const ms = parseDuration(value, 'timeout');
      if (ms > 0) return ms;
      ctx.addIssue({ code: 'custom', message: 'must be longer than 0' });
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.problem });
    }
    return z.NEVER;
  });

const image = z.string().superRefine((value, ctx) => {
  if (value.startsWith('fixture:')) {
    if (!NAME_PATTERN.test(value.slice('fixture:'.length))) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a fixture name: ${NAME_RULE}` });
    }
  } else if (value === '' || value.startsWith('/') || value.endsWith('/')) {
    ctx.addIssue({
      code: 'custom',
      message: `"${value}" must be a LinuxKit image prefix relative to the case folder, or fixture:<name>`,
    });
  } else if (value.split('/').includes('..')) {
    ctx.addIssue({ code: 'custom', message: `"${value}" must stay inside the case folder: ".." is not allowed` });
  }
});

export const caseFileSchema = z
  .object({
    name: name.optional(),
    summary: z.string().trim().min(1),
    labels: z
      .array(z.string().regex(LABEL_PATTERN, { message: 'labels have no spaces or commas and do not start with !' }))
      .superRefine(uniqueItems)
      .default([]),
    arch: z
      .array(z.enum(ARCHES))
      .min(1)
      .superRefine(uniqueItems)
      .default([...ARCHES]),
    platforms: z
      .array(z.enum(PLATFORM_KINDS))
      .min(1)
      .superRefine(uniqueItems)
      .default([...PLATFORM_KINDS]),
    timeout: durationMs.default('60s'),
    'fresh-machine': z.boolean().default(false),
    'image-runs-own-tests': z.boolean().default(false),
    image: image.optional(),
    result: z.enum(RESULT_KINDS).default('tap'),
    privileged: z.boolean().default(false),
    capabilities: z
      .array(
        z.string().refine((cap) => ALL_CAPABILITIES.includes(cap), (cap) => ({
          message: `"${cap}" is not a Linux capability (write it as CAP_NET_ADMIN)`,
        })),
      )
      .superRefine(uniqueItems)
      .default([]),
    runtime: z.enum(RUNTIMES).optional(),
    containers: z.array(containerSchema).default([]),
  })
  .strict();

/** What case.yaml says; the loader adds identity, files, the default name and the resolved image. */
export type CaseFile = Omit<CaseDef, 'id' | 'dir' | 'file' | 'files' | 'name'> & { name?: string };

export type CaseFileCheck = Checked<CaseFile>;

/** Validates parsed case.yaml data and reports every problem in it, not just the first. */
export function checkCaseFile(data: unknown): CaseFileCheck {
  const parsed = caseFileSchema.safeParse(data);
  const issues = [...(parsed.success ? [] : parsed.error.issues.flatMap((issue) => toSchemaIssues(issue, knownKeys))), ...crossFieldIssues(data)];
  if (!parsed.success || issues.length > 0) return { ok: false, issues };
  const file = parsed.data;
  return {
    ok: true,
    value: {
      name: file.name,
      summary: file.summary,
      labels: file.labels,
      arch: file.arch,
      platforms: file.platforms,
      timeoutMs: file.timeout,
      freshMachine: file['fresh-machine'],
      imageRunsOwnTests: file['image-runs-own-tests'],
      image: file.image,
      result: file.result,
      privileged: file.privileged,
      // The default set is given anyway: only what goes beyond it makes a case privileged.
      capabilities: file.capabilities.filter((cap) => !DEFAULT_CAPABILITIES.includes(cap)),
      ...(file.runtime && { runtime: file.runtime }),
      containers: file.containers,
    },
  };
}

/**
 * Rules spanning several keys. They read the raw data instead of living in a zod refinement because zod
 * skips refinements once any field has the wrong type, and every mistake should be reported at once.
 */
function crossFieldIssues(data: unknown): SchemaIssue[] {
  if (!isRecord(data)) return [];
  const issues: SchemaIssue[] = [];
  const { containers } = data;
  if (data['image-runs-own-tests'] === true) {
    if (containers !== undefined) {
      issues.push({ path: ['containers'], atKey: true, message: 'not used with image-runs-own-tests: true' });
    }
    if (data.result === 'exit-code') {
      issues.push({ path: ['result'], message: 'an image that runs its own tests has no exit code to judge: use tap or linuxkit' });
    }
  } else {
    if (data.image !== undefined) {
      issues.push({ path: ['image'], atKey: true, message: 'only used with image-runs-own-tests: true' });
    }
    if (containers === undefined || (Array.isArray(containers) && containers.length === 0)) {
      issues.push({ path: ['containers'], message: 'list at least one container, or set image-runs-own-tests: true' });
    }
  }
  if (Array.isArray(containers)) {
    const seen = new Map<unknown, number>();
    containers.forEach((container: unknown, index) => {
      if (!isRecord(container) || typeof container.name !== 'string') return;
      const first = seen.get(container.name);
      if (first === undefined) seen.set(container.name, index);
      else issues.push({ path: ['containers', index, 'name'], message: `"${container.name}" is also containers[${first}]` });
    });
  }
  return issues;
}

const TOP_KEYS = Object.keys(caseFileSchema.shape);
const CONTAINER_KEYS = Object.keys(containerSchema.shape);
const knownKeys = (path: Array<string | number>): string[] => (path.length === 0 ? TOP_KEYS : CONTAINER_KEYS);
