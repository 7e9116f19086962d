import { ARCHES, type Arch, type ResultKind } from '../model/types.js';
import { LABEL_PATTERN } from '../select/schema.js';
import type { RtfTest } from './rtf-tree.js';

/** A harness case made from an rtf test: case.yaml's content and the files it needs. */
export interface ImportedCase {
  kind: 'case';
  id: string;
  test: RtfTest;
  caseFile: { summary: string; labels: string[]; arch?: Arch[]; result: ResultKind; containers: Array<{ name: string; run: string[] }> };
  files: Map<string, Buffer>;
  /** What the case does not carry over from rtf, for the person reading the import's output. */
  notes: string[];
}

export interface NotImported {
  kind: 'cannot';
  test: RtfTest;
  reason: string;
}

export type ImportDecision = ImportedCase | NotImported;

const ARCH_LABELS: Record<string, Arch> = { amd64: 'x86_64', x86_64: 'x86_64', arm64: 'arm64', aarch64: 'arm64', s390x: 's390x' };

/** Steps of a test.sh that need the host: the harness has no linuxkit, moby or Docker to give it. */
const HOST_NEEDS: Array<[RegExp, (match: RegExpExecArray) => string]> = [
  [/\blinuxkit\s+build\b/, () => 'needs `linuxkit build` (an image built from its YAML)'],
  [/\blinuxkit\s+run\b|\blinuxkitrun\b/, () => 'needs `linuxkit run`'],
  [/\blinuxkit\s+(?!build\b|run\b)([a-z][a-z-]*)/, (m) => `needs \`linuxkit ${m[1]}\``],
  [/\bmoby\s+build\b/, () => 'needs `moby build`'],
  [/\bdocker\b/, () => 'needs Docker'],
  [/\$\{?RT_(?:PROJECT_ROOT|LIB)\b/, () => 'uses rtf’s shell library (RT_LIB, RT_PROJECT_ROOT), which lives outside its folder'],
];

/** What of test.sh needs the host, comment lines aside; empty when it can run in a container as it is. */
export function hostNeeds(script: string): string[] {
  const code = script.split('\n').filter((line) => !line.trimStart().startsWith('#')).join('\n');
  return HOST_NEEDS.flatMap(([pattern, say]) => {
    const match = pattern.exec(code);
    return match ? [say(match)] : [];
  });
}

/** A case id from rtf's name: the letters a case id allows, at most 63. */
export function caseIdOf(name: string): string {
  const id = name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 63);
  return id === '' ? 'rtf-test' : id;
}

/** Decides, for every test of a tree, the case it becomes or why it cannot be one. */
export function planImport(tests: RtfTest[]): ImportDecision[] {
  const owners = new Map<string, string>();
  return tests.map((test): ImportDecision => {
    const decision = decide(test);
    if (decision.kind === 'cannot') return decision;
    const owner = owners.get(decision.id);
    if (owner !== undefined) return { kind: 'cannot', test, reason: `its case id ${decision.id} is also the id of ${owner}` };
    owners.set(decision.id, test.name);
    return decision;
  });
}

function decide(test: RtfTest): ImportDecision {
  const cannot = (reason: string): NotImported => ({ kind: 'cannot', test, reason });
  if (test.powershellOnly) return cannot('only a test.ps1: a PowerShell script for the host');
  if (test.tags.repeated.length > 0) return cannot(`${test.tags.repeated.join(', ')} given twice in test.sh (rtf refuses it too)`);
  const notes: string[] = [];
  const { labels, arch } = mapLabels(test.labels, notes);
  if (arch?.length === 0) return cannot(`its labels (${test.labels.join(', ')}) leave no architecture to run on`);
  if (test.tags.repeat > 1) notes.push(`REPEAT: ${test.tags.repeat} is not kept; \`harness run --repeat ${test.tags.repeat}\` boots every session that often`);

  let script: { name: string; bytes: Buffer; result: ResultKind };
  if (test.checkSh) {
    // LinuxKit's check.sh prints `<name> test suite PASSED` or `FAILED`; other scripts say it by their exit code.
    const result = /suite (?:PASSED|FAILED)/.test(test.checkSh.toString('utf8')) ? 'linuxkit' : 'exit-code';
    script = { name: 'check.sh', bytes: test.checkSh, result };
    if (test.hasYml) notes.push('check.sh ran inside the image its YAML describes; here it runs in the harness image’s base rootfs, without that YAML’s packages, binds or files');
  } else if (test.testSh !== undefined) {
    const needs = hostNeeds(test.testSh);
    if (needs.length > 0) return cannot(`test.sh ${needs.join('; ')}`);
    script = { name: 'test.sh', bytes: Buffer.from(test.testSh), result: 'exit-code' };
  } else {
    return cannot('test.sh could not be read');
  }
  return {
    kind: 'case',
    id: caseIdOf(test.name),
    test,
    caseFile: {
      summary: test.tags.summary || `rtf test ${test.name}`,
      labels: ['rtf', ...labels],
      ...(arch && { arch }),
      result: script.result,
      containers: [{ name: script.name.replace('.sh', ''), run: ['/bin/sh', `/case/${script.name}`] }],
    },
    files: new Map([[script.name, script.bytes]]),
    notes,
  };
}

/**
 * rtf labels are requirements: `amd64` runs a test only where amd64 is set, `!arm64` never where
 * arm64 is. Architectures become `arch:`; other labels stay labels to select by.
 */
function mapLabels(rtfLabels: string[], notes: string[]): { labels: string[]; arch?: Arch[] } {
  const wanted = new Set<Arch>();
  const refused = new Set<Arch>();
  const labels: string[] = [];
  for (const raw of rtfLabels) {
    const negated = raw.startsWith('!');
    const name = negated ? raw.slice(1) : raw;
    const arch = ARCH_LABELS[name];
    if (arch) (negated ? refused : wanted).add(arch);
    else if (negated) notes.push(`label ${raw} is dropped: the harness has no "not when labelled" rule; exclude with --label !${name} instead`);
    else if (LABEL_PATTERN.test(name) && !labels.includes(name)) labels.push(name);
    else if (!labels.includes(name)) notes.push(`label ${JSON.stringify(name)} is dropped: not a valid label`);
  }
  if (labels.length > 0) notes.push(`rtf ran it only when asked for ${labels.join(', ')} (rtf -l); here those are labels to select it by`);
  if (wanted.size === 0 && refused.size === 0) return { labels };
  const arch = ARCHES.filter((a) => (wanted.size === 0 || wanted.has(a)) && !refused.has(a));
  return { labels, arch };
}
