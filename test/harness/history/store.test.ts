import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../../harness/model/errors.js';
import { fingerprintKey } from '../../../harness/history/fingerprint.js';
import { HistoryStore, readHistoryFile } from '../../../harness/history/store.js';
import { day, FINGERPRINT, runRecord } from './history-fixture.js';

let dir: string;
const open: HistoryStore[] = [];

/** A store in this test's folder; closed after the test. */
function store(name = 'history.sqlite'): HistoryStore {
  const opened = HistoryStore.open(join(dir, name));
  open.push(opened);
  return opened;
}

function usageError(action: () => unknown): UsageError {
  try {
    action();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a UsageError');
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'history-store-'));
});

afterEach(() => {
  for (const opened of open.splice(0)) opened.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('HistoryStore.open', () => {
  it('creates the folder and a version 2 schema in WAL mode', () => {
    const path = join(dir, 'nested', 'deeper', 'history.sqlite');
    HistoryStore.open(path).close();
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(2);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      expect(tables).toEqual(['boots', 'cases', 'runs']);
    } finally {
      db.close();
    }
  });

  it('renames the platforms of a version 1 history to qemu:<arch>, so old nights keep their baseline', () => {
    const path = join(dir, 'v1.sqlite');
    const old = new Database(path);
    old.exec(`CREATE TABLE runs (run_id TEXT NOT NULL, platform TEXT NOT NULL, revision TEXT NOT NULL,
        started_at TEXT NOT NULL, arch TEXT NOT NULL, fingerprint_key TEXT NOT NULL, fingerprint TEXT NOT NULL,
        image TEXT NOT NULL, sizes TEXT NOT NULL, PRIMARY KEY (run_id, platform));
      CREATE TABLE boots (run_id TEXT NOT NULL, platform TEXT NOT NULL, seq INTEGER NOT NULL, boot_id TEXT NOT NULL,
        phases TEXT NOT NULL, guest_clock TEXT NOT NULL, PRIMARY KEY (run_id, platform, seq));
      CREATE TABLE cases (run_id TEXT NOT NULL, platform TEXT NOT NULL, seq INTEGER NOT NULL, case_id TEXT NOT NULL,
        outcome TEXT NOT NULL, duration_ms REAL NOT NULL, PRIMARY KEY (run_id, platform, seq));
      INSERT INTO runs VALUES ('r1', 'qemu-arm64', 'rev', '2025-01-01T00:00:00.000Z', 'arm64', 'k', '{}', '{}', '{}');
      INSERT INTO cases VALUES ('r1', 'qemu-arm64', 0, 'c', 'pass', 1);
      INSERT INTO runs VALUES ('r1', 'board:x', 'rev', '2025-01-01T00:00:00.000Z', 'arm64', 'k', '{}', '{}', '{}');
      PRAGMA user_version = 1;`);
    old.close();
    store('v1.sqlite').close();
    const db = new Database(path, { readonly: true });
    try {
      expect(db.prepare('SELECT platform FROM runs ORDER BY platform').pluck().all()).toEqual(['board:x', 'qemu:arm64']);
      expect(db.prepare('SELECT platform FROM cases').pluck().all()).toEqual(['qemu:arm64']);
    } finally {
      db.close();
    }
  });

  it('migrates an existing empty file', () => {
    const path = join(dir, 'empty.sqlite');
    writeFileSync(path, '');
    const history = store('empty.sqlite');
    history.record(runRecord());
    expect(history.runs()).toHaveLength(1);
  });

  it('keeps what was recorded across reopening', () => {
    store().record(runRecord());
    open.pop()!.close();
    expect(store().runs()).toEqual([runRecord()]);
  });

  it('refuses a database written by a newer harness, and leaves it alone', () => {
    const path = join(dir, 'newer.sqlite');
    const db = new Database(path);
    db.pragma('user_version = 7');
    db.close();
    const error = usageError(() => HistoryStore.open(path));
    expect(error.where).toBe(path);
    expect(error.problem).toBe('history schema v7 is newer than this harness understands (v2)');
    const after = new Database(path, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(7);
    after.close();
  });
});

describe('HistoryStore record and runs', () => {
  it('gives back what was recorded, boots and cases in order', () => {
    const history = store();
    const run = runRecord({
      boots: Array.from({ length: 12 }, (_, i) => ({ bootId: `b${i}`, phases: { spawn: 0, firstByte: 700 + i }, guestClock: { kernel: i } })),
    });
    history.record(run);
    expect(history.runs()).toEqual([run]);
  });

  it('replaces an earlier record of the same run and platform, boots and cases included', () => {
    const history = store();
    history.record(runRecord());
    const again = runRecord({ revision: 'fixed', boots: [runRecord().boots[1]!], cases: [] });
    history.record(again);
    history.record(runRecord({ platform: 'qemu-arm64', arch: 'arm64' }));
    expect(history.runs({ platform: 'qemu-x86_64' })).toEqual([again]);
    expect(history.runs()).toHaveLength(2);
  });

  describe('filters', () => {
    const other = { ...FINGERPRINT, qemu: '9.0.0' };
    const runs = [
      runRecord({ runId: 'r1', startedAt: day(1) }),
      runRecord({ runId: 'r2', startedAt: day(2), platform: 'qemu-arm64', arch: 'arm64' }),
      runRecord({ runId: 'r3', startedAt: day(3), fingerprint: other }),
      runRecord({ runId: 'r4', startedAt: day(4) }),
    ];
    const ids = (history: HistoryStore, filter?: Parameters<HistoryStore['runs']>[0]) => history.runs(filter).map((run) => run.runId);

    function filled(): HistoryStore {
      const history = store();
      for (const run of [runs[2]!, runs[0]!, runs[3]!, runs[1]!]) history.record(run);
      return history;
    }

    it('returns everything newest first by default', () => {
      expect(ids(filled())).toEqual(['r4', 'r3', 'r2', 'r1']);
    });

    it('by platform', () => {
      expect(ids(filled(), { platform: 'qemu-arm64' })).toEqual(['r2']);
    });

    it('by fingerprint key', () => {
      expect(ids(filled(), { fingerprintKey: fingerprintKey(other) })).toEqual(['r3']);
      expect(ids(filled(), { fingerprintKey: fingerprintKey(FINGERPRINT), platform: 'qemu-x86_64' })).toEqual(['r4', 'r1']);
    });

    it('before a time, exclusive', () => {
      expect(ids(filled(), { before: day(3) })).toEqual(['r2', 'r1']);
    });

    it('up to a limit', () => {
      expect(ids(filled(), { limit: 2 })).toEqual(['r4', 'r3']);
      expect(ids(filled(), { before: day(4), platform: 'qemu-x86_64', limit: 1 })).toEqual(['r3']);
    });

    it('latest, overall and per platform', () => {
      const history = filled();
      expect(history.latest()?.runId).toBe('r4');
      expect(history.latest('qemu-arm64')?.runId).toBe('r2');
      expect(history.latest('qemu-s390x')).toBeUndefined();
    });

    it('platforms, each once, sorted', () => {
      expect(filled().platforms()).toEqual(['qemu-arm64', 'qemu-x86_64']);
      expect(store('other.sqlite').platforms()).toEqual([]);
    });
  });
});

describe('HistoryStore export and import', () => {
  const runs = [
    runRecord({ runId: 'r1', startedAt: day(1) }),
    runRecord({ runId: 'r1', startedAt: day(1), platform: 'qemu-arm64', arch: 'arm64' }),
    runRecord({ runId: 'r2', startedAt: day(2), boots: [] }),
  ];

  function exported() {
    const history = store('source.sqlite');
    for (const run of runs) history.record(run);
    return history.exportJson(new Date('2025-02-01T00:00:00.000Z'));
  }

  it('exports every run, newest first, stamped with the time', () => {
    const file = exported();
    expect(file.schema).toBe(1);
    expect(file.exportedAt).toBe('2025-02-01T00:00:00.000Z');
    expect(file.runs.map((run) => [run.runId, run.platform])).toEqual([['r2', 'qemu-x86_64'], ['r1', 'qemu-arm64'], ['r1', 'qemu-x86_64']]);
  });

  it('imports an export, through JSON text, into a fresh store as equal runs', () => {
    const file = JSON.parse(JSON.stringify(exported()));
    const target = store('target.sqlite');
    expect(target.importJson(file, 'export.json')).toEqual({ added: 3, replaced: 0 });
    expect(target.runs()).toEqual(store('source.sqlite').runs());
  });

  it('changes nothing when the same export is imported twice', () => {
    const file = exported();
    const target = store('target.sqlite');
    target.importJson(file, 'export.json');
    const before = target.runs();
    expect(target.importJson(file, 'export.json')).toEqual({ added: 0, replaced: 3 });
    expect(target.runs()).toEqual(before);
  });

  describe('a bad file', () => {
    const bad = (change: (file: any) => void) => {
      const file = JSON.parse(JSON.stringify(exported()));
      change(file);
      const target = store('target.sqlite');
      const error = usageError(() => target.importJson(file, 'export.json'));
      return { error, target };
    };

    it('is refused naming the JSON path, and adds nothing', () => {
      const { error, target } = bad((file) => (file.runs[1].boots[0].phases.kernel = '705'));
      expect(error.where).toBe('export.json: runs[1].boots[0].phases.kernel');
      expect(error.problem).toBe('expected number, got string');
      expect(target.runs()).toEqual([]);
    });

    it('counts further problems', () => {
      const { error } = bad((file) => {
        file.runs[0].revision = 1;
        file.runs[2].cases[1].outcome = 'crashed';
      });
      expect(error.where).toBe('export.json: runs[0].revision');
      expect(error.problem).toBe('expected string, got number (and 1 more problem)');
    });

    it.each([
      ['a missing field', (file: any) => delete file.runs[0].sizes.total, 'runs[0].sizes.total', 'required'],
      ['an unknown phase', (file: any) => (file.runs[1].boots[0].phases.bios = 3), 'runs[1].boots[0].phases.bios', /^"bios" is not one of spawn, connect, powerOn, request, running, firstByte/],
      ['an unknown key', (file: any) => (file.runs[0].colour = 'red'), 'runs[0]', 'unknown key colour'],
      ['a bad component size', (file: any) => (file.runs[0].sizes.components['containers/base'] = -1), 'runs[0].sizes.components["containers/base"]', /greater than or equal to 0/],
      ['a time that is not canonical', (file: any) => (file.runs[0].startedAt = '2025-01-02T02:00:00Z'), 'runs[0].startedAt', /as Date#toISOString writes it/],
      ['another schema', (file: any) => (file.schema = 2), 'schema', 'expected 1, got 2'],
    ])('is refused for %s', (_, change, path, problem) => {
      const { error } = bad(change);
      expect(error.where).toBe(`export.json: ${path}`);
      expect(error.problem).toMatch(problem);
    });

    it('that is not an object is refused at the file itself', () => {
      const error = usageError(() => store().importJson([], 'export.json'));
      expect(error.where).toBe('export.json');
      expect(error.problem).toBe('expected object, got array');
    });
  });
});

describe('readHistoryFile', () => {
  it('parses JSON', async () => {
    const path = join(dir, 'export.json');
    writeFileSync(path, '{"schema": 1}');
    await expect(readHistoryFile(path)).resolves.toEqual({ schema: 1 });
  });

  it('says when the file is not JSON', async () => {
    const path = join(dir, 'export.json');
    writeFileSync(path, '{"schema": 1,');
    const error = await readHistoryFile(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({ where: path, problem: expect.stringMatching(/^not JSON: /) });
  });

  it('says when the file does not exist', async () => {
    const path = join(dir, 'missing.json');
    await expect(readHistoryFile(path)).rejects.toMatchObject({ where: path, problem: 'no such file' });
  });
});

describe('HistoryStore.caseDurations', () => {
  it('gives each case the median of its latest results, leaving errors out', () => {
    const history = store();
    const durations = [400, 900, 500, 100_000, 600, 700];
    durations.forEach((ms, i) =>
      history.record(runRecord({ runId: `r${i}`, startedAt: day(i + 1), cases: [{ caseId: 'slowish', outcome: i === 3 ? 'error' : 'pass', durationMs: ms }] })),
    );
    // The last five results without the error: 900, 500, 600, 700 and 400 of the first run.
    expect(history.caseDurations().any).toEqual(new Map([['slowish', 600]]));
    expect(history.caseDurations(2).any).toEqual(new Map([['slowish', 700]]));
  });

  it('keeps the durations on each platform apart as well', () => {
    const history = store();
    [['qemu:x86_64', 400], ['qemu:s390x', 900], ['qemu:x86_64', 500]].forEach(([platform, ms], i) =>
      history.record(runRecord({ runId: `r${i}`, platform: platform as string, startedAt: day(i + 1), cases: [{ caseId: 'c', outcome: 'pass', durationMs: ms as number }] })),
    );
    const { any, onPlatform } = history.caseDurations();
    expect(any).toEqual(new Map([['c', 500]]));
    expect(onPlatform).toEqual(new Map([['qemu:x86_64', new Map([['c', 500]])], ['qemu:s390x', new Map([['c', 900]])]]));
  });
});
