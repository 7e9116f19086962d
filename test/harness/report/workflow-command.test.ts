import { describe, expect, it } from 'vitest';
import { escapeData, escapeProperty, workflowCommand } from '../../../harness/report/workflow-command.js';

describe('workflow commands', () => {
  it('escapes data and properties as the runner unescapes them', () => {
    expect(escapeData('100% done\r\nnext::line, a:b')).toBe('100%25 done%0D%0Anext::line, a:b');
    expect(escapeProperty('100% done\r\nnext::line, a:b')).toBe('100%25 done%0D%0Anext%3A%3Aline%2C a%3Ab');
    // An already escaped sequence stays literal: %0A must not turn into a newline on the way back.
    expect(escapeData('%0A')).toBe('%250A');
  });

  it('writes name, the given properties in order and the message', () => {
    expect(workflowCommand('error', { file: 'cases/a,b/case.yaml', line: 3, col: undefined, title: 'x: y' }, 'one\ntwo')).toBe(
      '::error file=cases/a%2Cb/case.yaml,line=3,title=x%3A y::one%0Atwo',
    );
    expect(workflowCommand('endgroup', {})).toBe('::endgroup::');
  });
});
