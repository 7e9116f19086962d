import { createHash } from 'node:crypto';
import type { HtmlReportData } from './html-data.js';
import { HTML_SCRIPT } from './html-script.js';
import { HTML_STYLE } from './html-style.js';

/**
 * JSON that cannot end its <script> element or be read as markup: <, > and & become \u escapes,
 * which JSON.parse reads back unchanged, and so do U+2028/U+2029 for older JS parsers.
 */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * One self-contained page. The policy allows no fetch of any kind and only the report's own script,
 * by hash: should markup ever slip into the page, a script it brought would not run.
 */
export function renderHtmlPage(data: HtmlReportData): string {
  const scriptHash = createHash('sha256').update(HTML_SCRIPT).digest('base64');
  const policy = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${scriptHash}'`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${policy}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>harness run report</title>
<style>${HTML_STYLE}</style>
</head>
<body>
<main id="app"><noscript>This report shows its data with JavaScript; results.json holds the same.</noscript></main>
<script type="application/json" id="report-data">${embedJson(data)}</script>
<script>${HTML_SCRIPT}</script>
</body>
</html>
`;
}
