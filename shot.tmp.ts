import { writeFileSync } from 'node:fs';
import { renderHtml } from './harness/history/render-html.js';
import { history, report } from './test/harness/history/render-fixture.js';
writeFileSync('/tmp/shot/report.html', renderHtml(report, history));
