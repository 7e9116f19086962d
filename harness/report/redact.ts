import type { BootRecord, CaseResult, Reporter, RunInfo, RunSummary } from '../model/types.js';

/** Environment variable names whose values are credentials (cloud keys, lab passwords, tokens). */
const SECRET_NAME = /SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|PRIVATE_KEY|ACCESS_KEY|API_KEY/i;
/** Shorter values would redact ordinary words. */
const MIN_SECRET_LENGTH = 6;
const MASK = '[redacted]';

/** The secret values among environment-style variables. */
export function secretsFrom(env: Record<string, string | undefined>): string[] {
  return Object.entries(env)
    .filter(([name, value]) => SECRET_NAME.test(name) && value !== undefined && value.length >= MIN_SECRET_LENGTH)
    .map(([, value]) => value!);
}

export type Redact = <T>(value: T) => T;

/** Replaces every occurrence of a secret in every string of a JSON-like value, longest secret first. */
export function redactor(secrets: string[]): Redact {
  const ordered = [...new Set(secrets)].sort((a, b) => b.length - a.length);
  const text = (s: string) => ordered.reduce((out, secret) => out.replaceAll(secret, MASK), s);
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return text(value);
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    return value;
  };
  return <T>(value: T) => (ordered.length ? (walk(value) as T) : value);
}

/** Hands reporters only redacted events, so no report or terminal line can carry a secret. */
export class RedactingReporter implements Reporter {
  constructor(
    private readonly inner: Reporter,
    private readonly redact: Redact,
  ) {}

  onRunBegin(info: RunInfo) {
    return this.inner.onRunBegin?.(this.redact(info));
  }
  onBootBegin(bootId: string, platform: string) {
    this.inner.onBootBegin?.(bootId, platform);
  }
  onBootPhase(bootId: string, phase: Parameters<NonNullable<Reporter['onBootPhase']>>[1], atMs: number) {
    this.inner.onBootPhase?.(bootId, phase, atMs);
  }
  onCaseBegin(caseId: string, platform: string) {
    this.inner.onCaseBegin?.(caseId, platform);
  }
  onCaseEnd(result: CaseResult) {
    this.inner.onCaseEnd?.(this.redact(result));
  }
  onBootEnd(record: BootRecord) {
    this.inner.onBootEnd?.(this.redact(record));
  }
  onRunEnd(summary: RunSummary) {
    return this.inner.onRunEnd?.(this.redact(summary));
  }
}
