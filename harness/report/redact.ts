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

/** [start, end) of a run of text to mask. */
type Span = [number, number];

/**
 * Where the secrets occur in `text`, overlapping occurrences merged into one span: masking each
 * secret in turn would leave the part of one that overlaps another. Sorted by start.
 */
function secretSpans(text: string, secrets: readonly string[]): Span[] {
  const spans: Span[] = [];
  for (const secret of secrets) {
    for (let at = text.indexOf(secret); at >= 0; at = text.indexOf(secret, at + 1)) {
      const last = spans.at(-1);
      // Runs of one secret come in order, so a self-overlapping one ("aaaa" in "aaaaaa…") stays one span.
      if (last && last[1] > at && last[0] <= at) last[1] = Math.max(last[1], at + secret.length);
      else spans.push([at, at + secret.length]);
    }
  }
  spans.sort((a, b) => a[0] - b[0]);
  const merged: Span[] = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last && span[0] < last[1]) last[1] = Math.max(last[1], span[1]);
    else merged.push(span);
  }
  return merged;
}

/** `text` from `from` to `to` with every span in it masked; a span begun before `from` was masked then. */
function masked(text: string, spans: Span[], from: number, to: number): string {
  let out = '';
  let at = from;
  for (const [start, end] of spans) {
    if (end <= at || start >= to) continue;
    out += text.slice(at, start);
    if (start >= from) out += MASK;
    at = end;
  }
  return out + text.slice(at, to);
}

/** Replaces every occurrence of a secret in every string, keys included, of a JSON-like value. */
export function redactor(secrets: string[]): Redact {
  const unique = [...new Set(secrets)];
  const text = (s: string) => masked(s, secretSpans(s, unique), 0, s.length);
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return text(value);
    if (Array.isArray(value)) return value.map(walk);
    // A TAP YAML diagnostic is the guest's own mapping: a secret may be a key as well as a value.
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [text(k), walk(v)]));
    return value;
  };
  return <T>(value: T) => (unique.length ? (walk(value) as T) : value);
}

/**
 * Redacts a byte stream that arrives in chunks, so a secret split across two chunks is masked too.
 * It holds back the last (longest secret - 1) bytes until the next chunk or the end. Bytes are
 * handled as latin1 text, one character a byte, so a secret split inside a UTF-8 character still
 * matches.
 */
export class StreamRedactor {
  private readonly secrets: string[];
  /** Bytes at the end that may begin a secret the next chunk completes. */
  private readonly holdBack: number;
  /** The raw bytes not yet passed on, after the tail of what was: a secret may straddle the two. */
  private raw = '';
  /** How much of `raw` was passed on already. */
  private passed = 0;

  constructor(secrets: readonly string[]) {
    this.secrets = [...new Set(secrets)].map((s) => Buffer.from(s, 'utf8').toString('latin1'));
    this.holdBack = Math.max(1, ...this.secrets.map((s) => s.length)) - 1;
  }

  /** The redacted bytes that are safe to pass on now. */
  push(chunk: Buffer): Buffer {
    this.raw += chunk.toString('latin1');
    return this.take(Math.max(this.passed, this.raw.length - this.holdBack));
  }

  /** What was held back, redacted: the stream has ended. */
  end(): Buffer {
    const rest = this.take(this.raw.length);
    this.raw = '';
    this.passed = 0;
    return rest;
  }

  private take(upTo: number): Buffer {
    const spans = secretSpans(this.raw, this.secrets);
    // A secret that starts before `upTo` is complete (it is at most holdBack + 1 long): mask all of it now.
    const limit = spans.reduce((end, [start, stop]) => (start < end && end < stop ? stop : end), upTo);
    const out = masked(this.raw, spans, this.passed, limit);
    // Keep what may begin an unfinished secret, even if passed on (masked), to recognise its rest.
    const drop = Math.max(0, Math.min(limit, this.raw.length - this.holdBack));
    this.raw = this.raw.slice(drop);
    this.passed = limit - drop;
    return Buffer.from(out, 'latin1');
  }
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
