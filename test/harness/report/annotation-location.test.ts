import { describe, expect, it } from 'vitest';
import { parseTap } from '../../../harness/collect/tap.js';
import type { CaseResult } from '../../../harness/model/types.js';
import { annotationLocation } from '../../../harness/report/annotation-location.js';

const WORKSPACE = '/ws';

/** A failed case whose one assert carries `diagYaml` (indented two spaces) as its diagnostic. */
function failed(diagYaml: string, file = '/ws/cases/net/case.yaml'): CaseResult {
  const tap = parseTap(`TAP version 14\n1..1\nnot ok 1 - x\n  ---\n${diagYaml}  ...\n`);
  return {
    caseId: 'net', name: 'net', platform: 'qemu:x86_64', arch: 'x86_64', bootId: 'b', repeat: 1, outcome: 'fail',
    startedAt: '', durationMs: 1, attempts: 1, file,
    containers: [{ name: 'probe', exitCode: 1, durationMs: 1, timedOut: false, tap, stdout: '', stderr: '' }],
  };
}

describe('annotationLocation', () => {
  it("points at the test's line for node-tap's at: and for file/line keys", () => {
    expect(annotationLocation(failed('  at:\n    file: /case/test.sh\n    line: 12\n'), WORKSPACE)).toEqual({ file: 'cases/net/files/test.sh', line: 12 });
    expect(annotationLocation(failed('  at:\n    fileName: sub/t.js\n    lineNumber: 4\n'), WORKSPACE)).toEqual({ file: 'cases/net/files/sub/t.js', line: 4 });
    expect(annotationLocation(failed('  file: test.sh\n  line: "7"\n'), WORKSPACE)).toEqual({ file: 'cases/net/files/test.sh', line: 7 });
  });

  it('falls back to case.yaml for a file outside the case folder or a line that is no line', () => {
    const caseYaml = { file: 'cases/net/case.yaml' };
    for (const diag of [
      '  file: /etc/passwd\n  line: 1\n',
      '  file: ../../../etc/passwd\n  line: 1\n',
      '  file: /case/../../other/case.yaml\n  line: 1\n',
      '  file: /case/lib/tap.sh\n  line: 9\n',
      '  file: test.sh\n  line: 0\n',
      '  file: test.sh\n  line: 1.5\n',
      '  file: test.sh\n  line: 12abc\n',
      '  file: [test.sh]\n  line: 3\n',
      '  at: /case/test.sh:3\n',
      '  got: 1\n',
    ]) {
      expect(annotationLocation(failed(diag), WORKSPACE), diag).toEqual(caseYaml);
    }
  });

  it('names no file for a case outside the workspace or without a case file', () => {
    expect(annotationLocation(failed('  file: test.sh\n  line: 3\n', '/elsewhere/net/case.yaml'), WORKSPACE)).toEqual({});
    expect(annotationLocation({ ...failed('  got: 1\n'), file: undefined }, WORKSPACE)).toEqual({});
  });
});
