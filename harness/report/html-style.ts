/** report.html's look: Playwright's report in spirit, light, with outcome colours people know. */
export const HTML_STYLE = `
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa;--card:#fff;--pass:#1a7f37;--fail:#d1242f;--flaky:#9a6700;--skip:#6e7781;--error:#8250df;--mark:#fff8c5;--mark-line:#d4a72c}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans","DejaVu Sans",Arial,sans-serif}
main{max-width:1200px;margin:0 auto;padding:20px 24px 48px}
h1{margin:0;font-size:22px}
h2{margin:28px 0 8px;font-size:17px}
h3{margin:16px 0 6px;font-size:15px}
.meta{color:var(--muted)}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px}
header.card{padding:16px 20px;border-top:6px solid var(--pass)}
header.card.bad{border-top-color:var(--fail)}
.chips{display:flex;flex-wrap:wrap;gap:6px;margin:12px 0 0}
.chip{border:1px solid var(--line);background:var(--card);border-radius:16px;padding:3px 12px;font:inherit;cursor:pointer;color:var(--fg)}
.chip[aria-pressed=true]{background:var(--fg);border-color:var(--fg);color:#fff}
.chip .n{font-weight:700;margin-left:6px}
.o-pass{color:var(--pass)}.o-fail{color:var(--fail)}.o-flaky{color:var(--flaky)}.o-skip{color:var(--skip)}.o-error{color:var(--error)}
table{width:100%;border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{padding:6px 12px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
th{font-size:12px;color:var(--muted);font-weight:600}
tbody tr{cursor:pointer}tbody tr:hover{background:var(--bg)}
td.bad{color:var(--fail);font-weight:700}
.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:16px 0 8px}
.filters input,.filters select{font:inherit;padding:5px 10px;border:1px solid var(--line);border-radius:6px;background:var(--card)}
.filters input{flex:1;min-width:220px}
.case{border-bottom:1px solid var(--line)}
.case:last-child{border-bottom:0}
.case>summary{display:flex;gap:10px;align-items:baseline;padding:8px 14px;cursor:pointer;list-style:none}
.case>summary::-webkit-details-marker{display:none}
.case>summary:hover{background:var(--bg)}
.icon{width:1.2em;text-align:center;font-weight:700}
.case-id{font-weight:600;overflow-wrap:anywhere}
.tag{font-size:12px;border-radius:10px;padding:0 8px;background:#eaeef2;color:var(--muted);white-space:nowrap}
.grow{flex:1}
.detail{padding:4px 20px 16px 44px;border-top:1px dashed var(--line)}
.banner{margin:10px 0;padding:8px 12px;border-radius:6px;border-left:6px solid var(--fail);background:#ffebe9;white-space:pre-wrap;overflow-wrap:anywhere}
.banner.o-error{border-left-color:var(--error);background:#fbefff}.banner.o-flaky{border-left-color:var(--flaky);background:#fff8c5}.banner.o-skip{border-left-color:var(--skip);background:var(--bg)}
.banner b{margin-right:8px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0}
dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}
ul.asserts{list-style:none;margin:4px 0;padding-left:0}
ul.asserts ul.asserts{padding-left:22px;border-left:2px solid var(--line);margin-left:6px}
ul.asserts li{margin:2px 0}
pre{margin:4px 0 8px;padding:8px 12px;background:#f6f8fa;border:1px solid var(--line);border-radius:6px;font:12px/1.45 ui-monospace,SFMono-Regular,"DejaVu Sans Mono",Menlo,Consolas,monospace;white-space:pre-wrap;overflow-wrap:anywhere;max-height:420px;overflow:auto}
pre.diag{background:#fff5f5;border-color:#ffcecb}
pre.console-part{background:#fffbe6;border-color:var(--mark-line)}
pre.whole{position:relative;max-height:360px}
mark{background:var(--mark);outline:1px solid var(--mark-line)}
.gap{display:block;color:var(--muted);font-style:italic;margin:4px 0}
details.sub>summary{cursor:pointer;color:var(--muted);margin:6px 0}
.empty{padding:16px;color:var(--muted);font-style:italic}
.boot{padding:12px 16px;margin:0 0 10px}
.waterfall{display:grid;grid-template-columns:110px 1fr 150px;gap:3px 10px;align-items:center;margin-top:8px;font-variant-numeric:tabular-nums}
.track{position:relative;height:14px;background:#f0f2f4;border-radius:3px}
.bar{position:absolute;top:0;height:14px;border-radius:3px;min-width:2px}
.waterfall .ms{color:var(--muted);font-size:12px;text-align:right}
`;
