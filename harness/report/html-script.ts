/**
 * report.html's script: renders the embedded data with createElement and text nodes only, never
 * innerHTML, because every string in it may come from a guest. Plain ES2017 in a raw string, so the
 * page works offline in any current browser without a build step.
 */
export const HTML_SCRIPT = String.raw`(function () {
'use strict';
var data = JSON.parse(document.getElementById('report-data').textContent);
var OUTCOMES = ['pass', 'fail', 'flaky', 'skip', 'error'];
var WORDS = { pass: 'Passed', fail: 'Failed', flaky: 'Flaky', skip: 'Skipped', error: 'Errors' };
var ICONS = { pass: '\u2713', fail: '\u2717', flaky: '\u21bb', skip: '\u21b7', error: '!' };
var CLASSES = ['infra', 'boot', 'timeout', 'harness'];
var PHASE_COLOURS = { spawn: '#8c959f', connect: '#8c959f', powerOn: '#8c959f', firstByte: '#6e7781', firmware: '#bf8700', bootloader: '#d4a72c', kernel: '#0969da', init: '#1a7f37', ready: '#2da44e', firstCase: '#8250df', lastCaseEnd: '#a475f9', poweroff: '#cf222e' };
var state = { outcome: 'all', platform: '', label: '', q: '' };
var rows = [];

function el(tag, cls, kids) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  (kids || []).forEach(function (k) { if (k !== null && k !== undefined && k !== false) e.append(typeof k === 'string' ? document.createTextNode(k) : k); });
  return e;
}
function has(o, k) { return Object.prototype.hasOwnProperty.call(o, k); }
function oc(outcome) { return OUTCOMES.indexOf(outcome) >= 0 ? 'o-' + outcome : ''; }
function ms(v) {
  if (v < 1000) return Math.round(v) + ' ms';
  if (v < 60000) return (v / 1000).toFixed(1) + ' s';
  var s = Math.round(v / 1000);
  return Math.floor(s / 60) + 'm' + String(s % 60).padStart(2, '0') + 's';
}
function kib(n) { return n < 1024 ? n + ' B' : (n / 1024).toFixed(n < 10240 ? 1 : 0) + ' KiB'; }
function count(cases, test) { return cases.filter(test).length; }
function isBad(c) { return c.outcome === 'fail' || c.outcome === 'error'; }
function collapsed(title, body, open) {
  var d = el('details', 'sub', [el('summary', null, [title]), body]);
  d.open = Boolean(open);
  return d;
}

function chips() {
  var box = el('div', 'chips');
  ['all'].concat(OUTCOMES).forEach(function (o) {
    var n = o === 'all' ? data.cases.length : count(data.cases, function (c) { return c.outcome === o; });
    var b = el('button', 'chip', [o === 'all' ? 'All' : WORDS[o], el('span', 'n ' + (o === 'all' ? '' : oc(o)), [String(n)])]);
    b.type = 'button';
    b.dataset.outcome = o;
    b.addEventListener('click', function () { state.outcome = o; update(); });
    box.append(b);
  });
  return box;
}

function header() {
  var facts = [data.startedAt ? 'started ' + data.startedAt.slice(0, 19).replace('T', ' ') + ' UTC' : '', 'took ' + ms(data.durationMs),
    'exit code ' + data.exitCode, data.cases.length + ' results on ' + data.platforms.length + ' platforms'];
  return el('header', 'card' + (data.cases.some(isBad) ? ' bad' : ''), [
    el('h1', null, ['harness run ', data.runId]), el('div', 'meta', [facts.filter(Boolean).join(' \u00b7 ')]), chips()]);
}

function platformTable() {
  var head = ['Platform', 'Passed', 'Failed', 'Flaky', 'Skipped'].concat(CLASSES.map(function (c) { return 'Errors: ' + c; }));
  var body = el('tbody', null, data.platforms.map(function (p) {
    var of = data.cases.filter(function (c) { return c.platform === p; });
    var cells = OUTCOMES.filter(function (o) { return o !== 'error'; }).map(function (o) { return [o, count(of, function (c) { return c.outcome === o; })]; })
      .concat(CLASSES.map(function (k) { return ['error', count(of, function (c) { return c.outcome === 'error' && (c.errorClass || 'harness') === k; })]; }));
    var tr = el('tr', null, [el('td', null, [p])].concat(cells.map(function (cell) {
      return el('td', cell[1] && (cell[0] === 'fail' || cell[0] === 'error') ? 'bad' : '', [String(cell[1])]);
    })));
    tr.dataset.platform = p;
    tr.addEventListener('click', function () { state.platform = p; update(); });
    return tr;
  }));
  var table = el('table', null, [el('thead', null, [el('tr', null, head.map(function (h) { return el('th', null, [h]); }))]), body]);
  table.id = 'platforms';
  return el('div', 'card', [table]);
}

function select(id, all, values, key) {
  var s = el('select', null, [el('option', null, [all])].concat(values.map(function (v) { var o = el('option', null, [v]); o.value = v; return o; })));
  s.options[0].value = '';
  s.id = id;
  s.addEventListener('change', function () { state[key] = s.value; update(); });
  return s;
}

function filters() {
  var q = el('input');
  q.id = 'search';
  q.type = 'search';
  q.placeholder = 'Search cases, reasons, labels';
  q.addEventListener('input', function () { state.q = q.value.toLowerCase(); update(); });
  var labels = [];
  data.cases.forEach(function (c) { c.labels.forEach(function (l) { if (labels.indexOf(l) < 0) labels.push(l); }); });
  labels.sort();
  return el('div', 'filters', [q, select('platform-filter', 'All platforms', data.platforms, 'platform'), labels.length ? select('label-filter', 'All labels', labels, 'label') : null]);
}

function assertList(asserts) {
  return el('ul', 'asserts', asserts.map(function (a) {
    var kind = a.skip !== undefined ? 'skip' : a.todo !== undefined ? 'todo' : a.ok ? 'pass' : 'fail';
    var directive = a.skip !== undefined ? ' # SKIP ' + a.skip : a.todo !== undefined ? ' # TODO ' + a.todo : '';
    var li = el('li', 'assert', [el('span', 'icon ' + oc(kind === 'todo' ? 'skip' : kind), [kind === 'todo' ? '\u25cc' : ICONS[kind]]), ' ', (a.ok ? 'ok ' : 'not ok ') + a.id + ' ' + (a.name || ''), directive]);
    if (a.diag) li.append(kind === 'fail' ? el('pre', 'diag', [a.diag]) : collapsed('diagnostic', el('pre', null, [a.diag])));
    if (a.subtest) li.append(assertList(a.subtest));
    return li;
  }));
}

// Output judged without TAP has no asserts: the status names how it was judged instead.
var RESULT_NAMES = { 'exit-code': 'judged by its exit code', linuxkit: 'judged by its "test suite PASSED" line' };

function containerView(k, failing) {
  var status = [k.timedOut ? 'timed out' : 'exit code ' + (k.exitCode === null ? 'none' : k.exitCode), ms(k.durationMs), RESULT_NAMES[k.result] || 'TAP ' + k.format];
  var problems = (k.bailout !== undefined ? ['bailed out: ' + k.bailout] : []).concat(k.problems);
  return el('section', 'container', [
    el('h3', null, ['Container ', k.name, ' ', el('span', 'meta exit', [status.join(' \u00b7 ')])]),
    k.asserts.length ? assertList(k.asserts) : k.result ? null : el('div', 'meta', ['no TAP asserts']),
    problems.length ? el('ul', 'problems', problems.map(function (p) { return el('li', 'o-fail', [p]); })) : null,
    // stdout is mostly the TAP shown above; stderr is where a failing case says why.
    collapsed('stdout (' + kib(k.stdout.length) + ')', el('pre', 'stdout', [k.stdout]), false),
    collapsed('stderr (' + kib(k.stderr.length) + ')', el('pre', 'stderr', [k.stderr]), failing && k.stderr)]);
}

function wholeLog(con, index) {
  var pre = el('pre', 'whole');
  con.pieces.forEach(function (p) {
    if (p.skippedBefore) pre.append(el('span', 'gap', ['[\u2026 ' + kib(p.skippedBefore) + ' not embedded \u2026]']));
    pre.append(p.cases.indexOf(index) >= 0 ? el('mark', null, [p.text]) : document.createTextNode(p.text));
  });
  if (con.skippedAfter) pre.append(el('span', 'gap', ['[\u2026 ' + kib(con.skippedAfter) + ' not embedded \u2026]']));
  return pre;
}

function consoleView(c, index) {
  var bi = data.boots.findIndex(function (b) { return b.id === c.bootId; });
  var boot = data.boots[bi];
  if (!boot || !boot.console) return el('div', 'meta', [boot ? boot.consoleNote : 'no boot record for this case']);
  var con = boot.console;
  var part = con.pieces.filter(function (p) { return p.cases.indexOf(index) >= 0; }).map(function (p) { return p.text; }).join('');
  var embedded = con.pieces.reduce(function (n, p) { return n - p.skippedBefore; }, con.size - con.skippedAfter);
  var whole = collapsed('Whole console log of boot ' + boot.id + ' (' + kib(con.size) + (embedded < con.size ? ', about ' + kib(embedded) + ' embedded around the cases' : '') + '; this case marked)', null);
  whole.addEventListener('toggle', function () {
    if (!whole.open || whole.querySelector('pre')) return;
    var pre = wholeLog(con, index);
    whole.append(pre);
    var mark = pre.querySelector('mark');
    if (mark) pre.scrollTop = Math.max(0, mark.offsetTop - 24);
  });
  return el('div', null, [
    part ? el('pre', 'console-part', [part]) : el('div', 'meta', [c.console ? 'the case printed nothing to the console' : 'no console offsets were recorded for this case']),
    whole]);
}

function detail(c, index) {
  var word = c.outcome === 'error' ? 'Error: ' + (c.errorClass || 'harness') : c.outcome === 'flaky' ? 'Flaky: passed on attempt ' + c.attempts : WORDS[c.outcome];
  var facts = [['Platform', c.platform], ['Arch', c.arch], ['Boot', c.bootId], ['Repeat', String(c.repeat)], ['Attempts', String(c.attempts)],
    ['Started', c.startedAt], ['Duration', ms(c.durationMs)], ['Labels', c.labels.join(', ')], ['Case file', c.file],
    ['Privileged', c.privileged === undefined ? '' : String(c.privileged)], ['Isolation', c.isolation]];
  var dl = el('dl');
  facts.forEach(function (f) { if (f[1]) dl.append(el('dt', null, [f[0]]), el('dd', null, [f[1]])); });
  return el('div', 'detail', [
    c.outcome === 'pass' ? null : el('div', 'banner ' + oc(c.outcome), [el('b', null, [word]), c.reason || '']),
    dl,
    el('div', 'containers', c.containers.map(function (k) { return containerView(k, isBad(c)); })),
    el('h3', null, ['Console during the case']),
    consoleView(c, index)]);
}

function caseList() {
  var list = el('div', 'card', []);
  list.id = 'cases';
  data.cases.forEach(function (c, i) {
    var tags = c.labels.map(function (l) { return el('span', 'tag label', [l]); });
    var summary = el('summary', null, [el('span', 'icon ' + oc(c.outcome), [ICONS[c.outcome] || '?']), el('span', 'case-id', [c.caseId]),
      c.name && c.name !== c.caseId ? el('span', 'meta', [c.name]) : null, el('span', 'grow'), el('span', 'tag', [c.platform])]
      .concat(tags, [c.repeat > 1 ? el('span', 'tag', ['repeat ' + c.repeat]) : null, el('span', 'meta', [ms(c.durationMs)])]));
    var row = el('details', 'case', [summary]);
    row.dataset.outcome = c.outcome;
    row.addEventListener('toggle', function () { if (row.open && row.children.length === 1) row.append(detail(c, i)); });
    rows.push({ row: row, c: c, text: [c.caseId, c.name, c.platform, c.reason, c.errorClass, c.bootId].concat(c.labels).join('\n').toLowerCase() });
    list.append(row);
  });
  var empty = el('div', 'empty', ['No cases match the filters.']);
  empty.id = 'no-match';
  list.append(empty);
  return list;
}

// Each boot on its own scale: a long run of cases would squash every other boot's phases to slivers.
function waterfall(boot) {
  var grid = el('div', 'waterfall');
  var scale = Math.max(1, boot.phases[boot.phases.length - 1][1]);
  var prev = 0;
  boot.phases.forEach(function (p) {
    var name = p[0], at = p[1];
    var bar = el('div', 'bar');
    bar.style.left = (prev / scale * 100) + '%';
    bar.style.width = (Math.max(at - prev, 0) / scale * 100) + '%';
    var hue = 0;
    for (var i = 0; i < name.length; i++) hue = (hue * 31 + name.charCodeAt(i)) % 360;
    bar.style.background = has(PHASE_COLOURS, name) ? PHASE_COLOURS[name] : 'hsl(' + hue + ', 55%, 50%)';
    bar.title = name + ': ' + ms(at - prev) + ', at ' + ms(at);
    grid.append(el('div', 'phase', [name]), el('div', 'track', [bar]), el('div', 'ms', ['+' + ms(at - prev) + ' \u00b7 at ' + ms(at)]));
    prev = at;
  });
  return grid;
}

function boots() {
  return el('section', null, [el('h2', null, ['Boots'])].concat(data.boots.map(function (b) {
    var facts = [b.arch, b.accel, 'image ' + b.image, b.kernelVersion ? 'kernel ' + b.kernelVersion : '', 'repeat ' + b.repeat, b.resumed ? 'restored from a snapshot, not booted' : ''];
    var card = el('div', 'card boot', [
      el('h3', null, [b.platform, ' \u00b7 ', b.id, ' ', el('span', 'tag ' + (b.outcome === 'ok' ? 'o-pass' : 'o-error'), [b.outcome === 'ok' ? 'ok' : 'error: ' + (b.errorClass || 'harness')])]),
      el('div', 'meta', [facts.filter(Boolean).join(' \u00b7 ')]),
      b.reason ? el('div', 'banner o-error', [b.reason]) : null,
      b.phases.length ? waterfall(b) : el('div', 'meta', ['no phases recorded'])]);
    card.dataset.boot = b.id;
    return card;
  })));
}

function notSelected() {
  if (!data.notSelected.length) return null;
  return el('section', null, [el('h2', null, ['Not selected']), el('ul', null, data.notSelected.map(function (s) { return el('li', null, [s.caseId, ': ', s.reason]); }))]);
}

function update() {
  var shown = 0;
  rows.forEach(function (r) {
    var c = r.c;
    var ok = (state.outcome === 'all' || c.outcome === state.outcome) && (!state.platform || c.platform === state.platform) &&
      (!state.label || c.labels.indexOf(state.label) >= 0) && (!state.q || r.text.indexOf(state.q) >= 0);
    r.row.hidden = !ok;
    if (ok) shown++;
  });
  document.getElementById('no-match').hidden = shown > 0;
  document.querySelectorAll('.chip').forEach(function (b) { b.setAttribute('aria-pressed', String(b.dataset.outcome === state.outcome)); });
  document.getElementById('platform-filter').value = state.platform;
}

document.title = 'harness run ' + data.runId;
var app = document.getElementById('app');
app.textContent = '';
[header(), el('h2', null, ['Platforms']), platformTable(), el('h2', null, ['Cases']), filters(), caseList(), boots(), notSelected(),
  el('footer', 'meta', ['Written by harness; the data is embedded, the page needs no network.'])].forEach(function (n) { if (n) app.append(n); });
update();
})();
`;
