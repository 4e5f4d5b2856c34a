/**
 * The one script (plain JavaScript, no build step). Pages work without it; it adds: highlighting
 * of linked log lines and ranges (#L120-L140, shift-click extends), and live updates by
 * Server-Sent Events: log lines appended (or an open line rewritten) by number, step results,
 * and a swap of <main> for a fresh copy when the server says the page changed.
 */
export const JS = `'use strict';
(function () {
  function highlight() {
    document.querySelectorAll('.ll.hl').forEach(function (e) { e.classList.remove('hl'); });
    var m = /^#(s\\d+)?L(\\d+)(?:-L?(\\d+))?$/.exec(location.hash);
    if (!m) return;
    var p = m[1] || '', a = +m[2], b = +(m[3] || m[2]);
    if (b < a) { var t = a; a = b; b = t; }
    for (var n = a; n <= b && n < a + 5000; n++) {
      var e = document.getElementById(p + 'L' + n);
      if (e) e.classList.add('hl');
    }
    var first = document.getElementById(p + 'L' + a);
    if (first) first.scrollIntoView({ block: 'center' });
  }
  window.addEventListener('hashchange', highlight);
  document.addEventListener('click', function (ev) {
    var a = ev.target.closest && ev.target.closest('.ll > a');
    if (!a || !ev.shiftKey) return;
    var m = /^#(s\\d+)?L(\\d+)/.exec(location.hash), to = /^#(s\\d+)?L(\\d+)$/.exec(a.getAttribute('href'));
    if (!m || !to || (m[1] || '') !== (to[1] || '')) return;
    ev.preventDefault();
    location.hash = (m[1] || '') + 'L' + m[2] + '-L' + to[2];
  });
  highlight();

  var url = document.body.dataset.live;
  if (!url || !window.EventSource) return;
  var es, busy = false;
  function cursors() {
    var s = [];
    document.querySelectorAll('.log.live[data-step]').forEach(function (l) { s.push(l.dataset.step + ':' + l.dataset.chunk + ':' + l.dataset.line); });
    return s.length ? (url.indexOf('?') < 0 ? '?' : '&') + 's=' + s.join(',') : '';
  }
  function atBottom() { return window.innerHeight + window.scrollY >= document.body.scrollHeight - 80; }
  function onLog(ev) {
    var d = JSON.parse(ev.data), box = document.querySelector('.log.live[data-step="' + d.step + '"]');
    if (!box) return;
    var follow = atBottom(), prefix = box.dataset.prefix || '';
    d.lines.forEach(function (l) {
      var id = prefix + 'L' + l[0], row = document.getElementById(id);
      if (!row) {
        row = document.createElement('div');
        row.id = id;
        var a = document.createElement('a');
        a.href = '#' + id;
        a.textContent = String(l[0]);
        row.appendChild(a);
        row.appendChild(document.createElement('span'));
        box.appendChild(row);
      }
      row.className = 'll' + (l[2] ? ' e' : '');
      row.lastChild.innerHTML = l[1];
    });
    box.dataset.chunk = d.chunk;
    box.dataset.line = d.line;
    var det = box.closest('details');
    if (det) det.open = true;
    if (follow) window.scrollTo(0, document.body.scrollHeight);
  }
  function onStep(ev) {
    var d = JSON.parse(ev.data), row = document.getElementById('step-' + d.step);
    if (!row) return;
    var r = row.querySelector('.res');
    if (r) { r.className = 'res r-' + d.word; r.textContent = d.word; }
    var t = row.querySelector('.stext');
    if (t) t.textContent = d.text || '';
  }
  function refresh() {
    if (busy) return;
    busy = true;
    fetch(location.href, { headers: { accept: 'text/html' } }).then(function (r) { return r.text(); }).then(function (t) {
      var doc = new DOMParser().parseFromString(t, 'text/html'), main = doc.querySelector('main');
      if (main) document.querySelector('main').replaceWith(main);
      highlight();
    }).catch(function () {}).then(function () { busy = false; });
  }
  function open() {
    es = new EventSource(url + cursors());
    es.addEventListener('log', onLog);
    es.addEventListener('step', onStep);
    es.addEventListener('refresh', refresh);
    es.addEventListener('end', function () { es.close(); refresh(); });
    es.onerror = function () { es.close(); setTimeout(open, 3000); };
  }
  open();
})();
`;
