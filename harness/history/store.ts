import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { UsageError } from '../model/errors.js';
import { PHASE_ORDER, type RunRecord } from '../metrics/types.js';
import { ARCHES, type CaseDurations, type PhaseName } from '../model/types.js';
import { fingerprintKey } from './fingerprint.js';

/** A portable copy of the whole store (`harness history export`), for carrying history between CI runners. */
export interface HistoryFile {
  schema: 1;
  exportedAt: string;
  runs: RunRecord[];
}

export interface RunFilter {
  platform?: string;
  fingerprintKey?: string;
  /** startedAt as Date#toISOString writes it, exclusive. */
  before?: string;
  limit?: number;
}

/**
 * Migration i brings a database from `PRAGMA user_version` i to i + 1. Append only: a shipped
 * migration never changes, because nightly databases already went through it.
 */
const MIGRATIONS: ReadonlyArray<(db: Database.Database) => void> = [
  // JSON columns hold what only the comparison reads whole; seq keeps boots and cases in their order.
  (db) =>
    db.exec(`
      CREATE TABLE runs (run_id TEXT NOT NULL, platform TEXT NOT NULL, revision TEXT NOT NULL,
        started_at TEXT NOT NULL, arch TEXT NOT NULL, fingerprint_key TEXT NOT NULL, fingerprint TEXT NOT NULL,
        image TEXT NOT NULL, sizes TEXT NOT NULL, PRIMARY KEY (run_id, platform));
      CREATE INDEX runs_by_baseline ON runs (platform, fingerprint_key, started_at);
      CREATE TABLE boots (run_id TEXT NOT NULL, platform TEXT NOT NULL, seq INTEGER NOT NULL, boot_id TEXT NOT NULL,
        phases TEXT NOT NULL, guest_clock TEXT NOT NULL, PRIMARY KEY (run_id, platform, seq));
      CREATE TABLE cases (run_id TEXT NOT NULL, platform TEXT NOT NULL, seq INTEGER NOT NULL, case_id TEXT NOT NULL,
        outcome TEXT NOT NULL, duration_ms REAL NOT NULL, PRIMARY KEY (run_id, platform, seq));
    `),
  // Platforms are named `qemu:<arch>` since other kinds joined; old nights keep their baseline.
  (db) =>
    db.exec(['runs', 'boots', 'cases'].map((t) => `UPDATE ${t} SET platform = 'qemu:' || substr(platform, 6) WHERE platform IN ('qemu-x86_64', 'qemu-arm64', 'qemu-s390x');`).join('\n')),
];

const count = z.number().int().nonnegative();
const ms = z.number().finite();
// Runs are ordered by comparing startedAt as text, which is only sound in one canonical format.
const isoTime = z.string().refine((text) => !Number.isNaN(Date.parse(text)) && new Date(text).toISOString() === text, {
  message: 'expected a UTC time as Date#toISOString writes it, e.g. 2025-01-31T02:00:00.000Z',
});

const runRecordSchema: z.ZodType<RunRecord> = z
  .object({
    runId: z.string().min(1),
    revision: z.string(),
    startedAt: isoTime,
    platform: z.string().min(1),
    arch: z.enum(ARCHES),
    fingerprint: z.record(z.string()),
    image: z.object({ kernelVersion: z.string(), imageDigest: z.string() }).strict(),
    sizes: z
      .object({ kernel: count, initrd: count, initrdUncompressed: count, total: count, components: z.record(z.string(), count) })
      .strict(),
    boots: z.array(
      z
        .object({
          bootId: z.string(),
          phases: z.record(z.enum(PHASE_ORDER as [PhaseName, ...PhaseName[]]), ms),
          guestClock: z.record(z.enum(['kernel', 'init', 'unpackStart', 'unpackEnd']), ms),
        })
        .strict(),
    ),
    cases: z.array(
      z
        .object({ caseId: z.string(), outcome: z.enum(['pass', 'fail', 'skip', 'flaky', 'error']), durationMs: ms.nonnegative() })
        .strict(),
    ),
  })
  .strict();

// Strict objects: a key this harness does not know would otherwise be dropped on import without a word.
const historyFileSchema = z.object({ schema: z.literal(1), exportedAt: z.string(), runs: z.array(runRecordSchema) }).strict();

type RunRow = Pick<RunRecord, 'runId' | 'platform' | 'revision' | 'startedAt' | 'arch'> &
  Record<'fingerprint' | 'image' | 'sizes', string>;

const OF_RUN = 'WHERE run_id = @runId AND platform = @platform';

/** Every run's metrics, one row per (run, platform), in a SQLite file that outlives the run folders. */
export class HistoryStore {
  private constructor(private readonly db: Database.Database) {}

  static open(path: string): HistoryStore {
    mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    try {
      // WAL lets `harness report` read while a nightly run is writing.
      db.pragma('journal_mode = WAL');
      migrate(db, path);
    } catch (error) {
      db.close();
      throw error;
    }
    return new HistoryStore(db);
  }

  /** Adds one platform's run, replacing an earlier record of the same run and platform. */
  record(run: RunRecord): void {
    this.db.transaction(() => this.write(run))();
  }

  /** Newest first; boots and cases in the order they were recorded. */
  runs(filter: RunFilter = {}): RunRecord[] {
    const rows = this.db
      .prepare(
        `SELECT run_id AS runId, platform, revision, started_at AS startedAt, arch, fingerprint, image, sizes FROM runs
         WHERE (@platform IS NULL OR platform = @platform)
           AND (@fingerprintKey IS NULL OR fingerprint_key = @fingerprintKey)
           AND (@before IS NULL OR started_at < @before)
         ORDER BY started_at DESC, run_id DESC, platform
         LIMIT @limit`,
      )
      .all({
        platform: filter.platform ?? null,
        fingerprintKey: filter.fingerprintKey ?? null,
        before: filter.before ?? null,
        limit: filter.limit ?? -1,
      }) as RunRow[];
    return rows.map((row) => this.read(row));
  }

  /**
   * Each case's median duration (ms) over its last `window` recorded results, on any platform (for
   * balancing shards, which split cases, not platforms) and on each platform (for starting the
   * longest sessions first: the same case takes twice as long on s390x as on x86_64 under TCG).
   * Errors are left out: a case cut short by an infrastructure fault says nothing about its length.
   */
  caseDurations(window = 5): CaseDurations {
    const latest = (partition: string) =>
      this.db
        .prepare(
          `SELECT platform, case_id AS caseId, duration_ms AS ms FROM (
             SELECT c.platform, c.case_id, c.duration_ms, ROW_NUMBER() OVER (PARTITION BY ${partition} ORDER BY r.started_at DESC) AS n
             FROM cases c JOIN runs r ON r.run_id = c.run_id AND r.platform = c.platform
             WHERE c.outcome != 'error')
           WHERE n <= @window`,
        )
        .all({ window }) as { platform: string; caseId: string; ms: number }[];
    const onPlatform = new Map<string, Map<string, number>>();
    for (const [key, ms] of medians(latest('c.platform, c.case_id'), (row) => `${row.platform}\0${row.caseId}`)) {
      const [platform, caseId] = key.split('\0') as [string, string];
      onPlatform.set(platform, (onPlatform.get(platform) ?? new Map<string, number>()).set(caseId, ms));
    }
    return { any: medians(latest('c.case_id'), (row) => row.caseId), onPlatform };
  }

  latest(platform?: string): RunRecord | undefined {
    return this.runs({ platform, limit: 1 })[0];
  }

  platforms(): string[] {
    const rows = this.db.prepare('SELECT DISTINCT platform FROM runs ORDER BY platform').all() as { platform: string }[];
    return rows.map((row) => row.platform);
  }

  exportJson(now: Date = new Date()): HistoryFile {
    return { schema: 1, exportedAt: now.toISOString(), runs: this.runs() };
  }

  /** Merges an export. All or nothing: a file with one bad run adds none. */
  importJson(file: unknown, where: string): { added: number; replaced: number } {
    const parsed = historyFileSchema.safeParse(file);
    if (!parsed.success) {
      const [first, ...rest] = parsed.error.issues;
      const path = jsonPath(first!.path);
      const more = rest.length === 0 ? '' : ` (and ${rest.length} more problem${rest.length === 1 ? '' : 's'})`;
      throw new UsageError(path === '' ? where : `${where}: ${path}`, `${problemOf(first!)}${more}`);
    }
    let replaced = 0;
    this.db.transaction(() => {
      for (const run of parsed.data.runs) if (this.write(run)) replaced++;
    })();
    return { added: parsed.data.runs.length - replaced, replaced };
  }

  close(): void {
    this.db.close();
  }

  /** Writes one run inside the caller's transaction; true when it replaced an earlier record. */
  private write(run: RunRecord): boolean {
    const key = { runId: run.runId, platform: run.platform };
    this.db.prepare(`DELETE FROM boots ${OF_RUN}`).run(key);
    this.db.prepare(`DELETE FROM cases ${OF_RUN}`).run(key);
    const { changes } = this.db.prepare(`DELETE FROM runs ${OF_RUN}`).run(key);
    this.db
      .prepare(
        `INSERT INTO runs (run_id, platform, revision, started_at, arch, fingerprint_key, fingerprint, image, sizes)
         VALUES (@runId, @platform, @revision, @startedAt, @arch, @fingerprintKey, @fingerprint, @image, @sizes)`,
      )
      .run({
        ...key,
        revision: run.revision,
        startedAt: run.startedAt,
        arch: run.arch,
        fingerprintKey: fingerprintKey(run.fingerprint),
        fingerprint: JSON.stringify(run.fingerprint),
        image: JSON.stringify(run.image),
        sizes: JSON.stringify(run.sizes),
      });
    const boot = this.db.prepare(
      `INSERT INTO boots (run_id, platform, seq, boot_id, phases, guest_clock)
       VALUES (@runId, @platform, @seq, @bootId, @phases, @guestClock)`,
    );
    run.boots.forEach(({ bootId, phases, guestClock }, seq) =>
      boot.run({ ...key, seq, bootId, phases: JSON.stringify(phases), guestClock: JSON.stringify(guestClock) }),
    );
    const testCase = this.db.prepare(
      `INSERT INTO cases (run_id, platform, seq, case_id, outcome, duration_ms)
       VALUES (@runId, @platform, @seq, @caseId, @outcome, @durationMs)`,
    );
    run.cases.forEach((sample, seq) => testCase.run({ ...key, seq, ...sample }));
    return changes > 0;
  }

  private read(row: RunRow): RunRecord {
    const key = { runId: row.runId, platform: row.platform };
    const boots = this.db
      .prepare(`SELECT boot_id AS bootId, phases, guest_clock AS guestClock FROM boots ${OF_RUN} ORDER BY seq`)
      .all(key) as Record<'bootId' | 'phases' | 'guestClock', string>[];
    const cases = this.db
      .prepare(`SELECT case_id AS caseId, outcome, duration_ms AS durationMs FROM cases ${OF_RUN} ORDER BY seq`)
      .all(key) as RunRecord['cases'];
    return {
      ...row,
      fingerprint: JSON.parse(row.fingerprint),
      image: JSON.parse(row.image),
      sizes: JSON.parse(row.sizes),
      boots: boots.map((boot) => ({ ...boot, phases: JSON.parse(boot.phases), guestClock: JSON.parse(boot.guestClock) })),
      cases,
    };
  }
}

/** Reads an export for importJson; the shape is checked there, so that errors name the JSON path. */
export async function readHistoryFile(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new UsageError(path, 'no such file');
    throw error;
  });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(path, `not JSON: ${(error as Error).message}`);
  }
}

function migrate(db: Database.Database, path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new UsageError(path, `history schema v${version} is newer than this harness understands (v${MIGRATIONS.length})`);
  }
  // One transaction for all pending steps: a crash mid-way leaves the file at its old version, not between.
  db.transaction(() => {
    for (const step of MIGRATIONS.slice(version)) step(db);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  })();
}

/** `runs[3].boots[0].phases.kernel`; keys that are not identifiers in brackets, e.g. `components["containers/base"]`. */
function jsonPath(path: ReadonlyArray<string | number>): string {
  return path
    .map((part, index) => {
      if (typeof part === 'number') return `[${part}]`;
      if (!/^[A-Za-z_$][\w$]*$/.test(part)) return `[${JSON.stringify(part)}]`;
      return index === 0 ? part : `.${part}`;
    })
    .join('');
}

function problemOf(issue: z.ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.received === 'undefined' ? 'required' : `expected ${issue.expected}, got ${issue.received}`;
    case 'invalid_literal':
      return `expected ${JSON.stringify(issue.expected)}, got ${JSON.stringify(issue.received)}`;
    case 'invalid_enum_value':
      return `${JSON.stringify(issue.received)} is not one of ${issue.options.join(', ')}`;
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.join(', ')}`;
    default:
      return issue.message;
  }
}

/** The median `ms` of the rows under each key. */
function medians<Row extends { ms: number }>(rows: Row[], keyOf: (row: Row) => string): Map<string, number> {
  const byKey = new Map<string, number[]>();
  for (const row of rows) byKey.set(keyOf(row), [...(byKey.get(keyOf(row)) ?? []), row.ms]);
  return new Map([...byKey].map(([key, ms]) => [key, ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)]!]));
}
