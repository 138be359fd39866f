// The workspace's script (ui/app.py puts it in the page head). Clicking anything with data-view="KEY"
// shows the viewer section pq-view-KEY (event delegation, so it works for HTML rendered after page
// load) and scrolls the viewer to its highlighted quote.
document.addEventListener('keydown', function (ev) {
  if ((ev.key === 'Enter' || ev.key === ' ') && ev.target.matches && ev.target.matches('li[data-view]')) {
    ev.preventDefault();
    ev.target.click();
  }
});
// "在文件库中查看全文": ask the server (hidden button #pq-open-in-corpus, which reads
// window.pqOpenRequest) to switch to 文件库 with the document open, then scroll its tree to the
// clause once that very rendering (data-request = the token) is on screen.
function pqOpenInCorpus(link) {
  var token = Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
  window.pqOpenRequest = JSON.stringify({doc: link.getAttribute('data-open-doc'),
    clause: link.getAttribute('data-clause'), start: +link.getAttribute('data-start'),
    end: +link.getAttribute('data-end'), token: token});
  var button = document.getElementById('pq-open-in-corpus');
  if (!button) return;
  button.click();
  var until = Date.now() + 60000;
  (function scrollWhenShown() {
    var doc = document.querySelector('.pq-doc[data-request="' + token + '"]');
    var focus = doc && doc.querySelector('.pq-focus');
    if (focus && focus.getClientRects().length) {
      doc.scrollIntoView({block: 'nearest'});
      doc.scrollTop += focus.getBoundingClientRect().top - doc.getBoundingClientRect().top - 60;
      doc.setAttribute('data-scrolled', '1');
    } else if (Date.now() < until && !(doc && !focus)) {
      requestAnimationFrame(scrollWhenShown);
    }
  })();
}
// When 确认删除《…》？ appears, the keyboard is on 取消 (the safe choice; Tab reaches 确认删除).
new MutationObserver(function () {
  var row = document.getElementById('remove-confirm');
  var shown = !!(row && row.offsetParent);
  if (shown && !window.pqConfirmShown) {
    var no = document.getElementById('remove-no');
    if (no) { no.focus(); window.pqConfirmShown = true; }
  } else if (!shown) { window.pqConfirmShown = false; }
}).observe(document.documentElement, {childList: true, subtree: true});
document.addEventListener('click', function (ev) {
  var open = ev.target.closest ? ev.target.closest('[data-open-doc]') : null;
  if (open) { ev.preventDefault(); pqOpenInCorpus(open); return; }
  var el = ev.target.closest ? ev.target.closest('[data-view]') : null;
  if (!el) return;
  ev.preventDefault();
  var key = el.getAttribute('data-view');
  var view = document.getElementById('pq-view-' + key);
  if (!view) return;
  document.querySelectorAll('.pq-view').forEach(function (v) { v.classList.toggle('pq-active', v === view); });
  document.querySelectorAll('[data-view]').forEach(function (m) {
    m.classList.toggle('pq-selected', m.getAttribute('data-view') === key);
  });
  var box = view.closest('.pq-viewer');
  var mark = view.querySelector('mark');
  if (box) {
    box.scrollTop = 0;
    if (mark) { box.scrollTop = Math.max(0, mark.getBoundingClientRect().top - box.getBoundingClientRect().top - 150); }
  }
  if (box && window.innerWidth < 900) { box.scrollIntoView({block: 'start'}); }
});
