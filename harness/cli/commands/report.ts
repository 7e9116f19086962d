import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { buildReport, DEFAULT_THRESHOLDS } from '../../history/compare.js';
import { renderHtml } from '../../history/render-html.js';
import { renderJson } from '../../history/render-json.js';
import { renderMarkdown } from '../../history/render-markdown.js';
import { HistoryStore } from '../../history/store.js';
import type { RegressionReport, Thresholds } from '../../history/types.js';
import { UsageError } from '../../model/errors.js';

export interface ReportFlags {
  history: string;
  run?: string;
  platform?: string;
  window: number;
  alpha?: number;
  format: string[];
  out: string;
}

const FORMATS = ['markdown', 'html', 'json'] as const;

/**
 * `harness report`: compares a run (default: the newest) with a window of earlier runs of the same
 * platform and fingerprint, and writes report.md, report.html and report.json.
 */
export async function reportCommand(flags: ReportFlags, write: (text: string) => void): Promise<RegressionReport> {
  const formats = flags.format.flatMap((f) => f.split(',')).map((f) => f.trim()).filter(Boolean);
  const unknown = formats.find((f) => !(FORMATS as readonly string[]).includes(f));
  if (unknown) throw new UsageError('--format', `unknown format "${unknown}"; choose from ${FORMATS.join(', ')}`);
  const thresholds: Thresholds = { ...DEFAULT_THRESHOLDS, ...(flags.alpha === undefined ? {} : { alpha: flags.alpha }) };
  const store = HistoryStore.open(resolve(flags.history));
  try {
    const all = store.runs({ platform: flags.platform });
    if (all.length === 0) throw new UsageError(flags.history, 'the history holds no runs yet; run `harness run` first');
    const runId = flags.run ?? all[0]!.runId;
    const current = all.filter((r) => r.runId === runId);
    if (current.length === 0) throw new UsageError('--run', `no run "${runId}" in ${flags.history}`);
    const report = buildReport(current, all, thresholds, flags.window);
    const out = resolve(flags.out);
    await mkdir(out, { recursive: true });
    const rendered: Record<(typeof FORMATS)[number], () => string> = {
      markdown: () => renderMarkdown(report),
      html: () => renderHtml(report, all),
      json: () => renderJson(report),
    };
    const extension = { markdown: 'md', html: 'html', json: 'json' } as const;
    for (const format of (formats.length ? formats : FORMATS) as (typeof FORMATS)[number][]) {
      const file = join(out, `report.${extension[format]}`);
      await writeFile(file, rendered[format]());
      write(`${format}: ${file}\n`);
    }
    write(renderMarkdown(report));
    return report;
  } finally {
    store.close();
  }
}
