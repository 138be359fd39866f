// The page is Chinese whatever the browser's language: Gradio picks its own strings (footer, upload
// box, toasts) by navigator.language, so it reads zh-CN here, before Gradio starts; <html lang> stays zh-CN.
(function () {
  try {
    Object.defineProperty(Navigator.prototype, 'language', {get: function () { return 'zh-CN'; }, configurable: true});
    Object.defineProperty(Navigator.prototype, 'languages', {get: function () { return ['zh-CN', 'zh']; },
      configurable: true});
  } catch (e) { /* an older browser: Gradio follows its own language */ }
  var root = document.documentElement;
  root.lang = 'zh-CN';
  new MutationObserver(function () { if (root.lang !== 'zh-CN') root.lang = 'zh-CN'; })
    .observe(root, {attributes: true, attributeFilter: ['lang']});
  // Gradio may have chosen its language before this script ran: once its footer is on the page, set
  // its locale through its own changeLocale (the module it loaded, so the same instance).
  var done = false;
  function coreModule() {
    var urls = performance.getEntriesByType('resource').map(function (e) { return e.name; });
    document.querySelectorAll('link[rel=modulepreload], script[type=module][src]').forEach(function (l) {
      urls.push(l.href || l.src);
    });
    return urls.find(function (u) { return /\/assets\/core-[\w-]+\.js(\?|$)/.test(u); });
  }
  function chinese() {
    if (done || !document.querySelector('footer')) return;
    var url = coreModule();
    if (!url) return;
    done = true;
    import(url).then(function (m) { if (m.changeLocale) m.changeLocale('zh-CN'); })
      .catch(function () { done = false; });
  }
  new MutationObserver(chinese).observe(document.documentElement, {childList: true, subtree: true});
})();
// The workspace's script (ui/app.py puts it in the page head). Clicking anything with data-view="KEY"
// shows the viewer section pq-view-KEY (event delegation, so it works for HTML rendered after page
// load) and scrolls the viewer to its highlighted quote.
document.addEventListener('keydown', function (ev) {
  if ((ev.key === 'Enter' || ev.key === ' ') && ev.target.matches && ev.target.matches('[data-view][role=button]')) {
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
      focus.setAttribute('tabindex', '-1');  // the keyboard lands on the opened clause
      focus.focus({preventScroll: true});
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
// A hidden button of the page, clicked with its request in window[name] (read by the button's js).
function pqPress(id, name, value) {
  if (name) window[name] = value;
  var button = document.getElementById(id);
  if (button) button.click();
}
document.addEventListener('click', function (ev) {
  if (!ev.target.closest) return;
  var all = ev.target.closest('[data-tree-open]');  // 全部折叠 / 全部展开 of the open document's tree
  if (all) {
    var wanted = all.getAttribute('data-tree-open') === '1';
    all.closest('.pq-doc').querySelectorAll('details.pq-node').forEach(function (d) { d.open = wanted; });
    return;
  }
  var toc = ev.target.closest('[data-toc]');  // a 目录 line: open its chapter (and those above it), go there
  if (toc) {
    var target = document.getElementById(toc.getAttribute('data-toc'));
    if (target) {
      ev.preventDefault();
      for (var d = target; d; d = d.parentElement && d.parentElement.closest('details')) { if (d.tagName === 'DETAILS') d.open = true; }
      target.scrollIntoView({block: 'start'});
      target.setAttribute('tabindex', '-1');
      target.focus({preventScroll: true});
    }
    return;
  }
  var open = ev.target.closest('[data-open-doc]');
  if (open) { ev.preventDefault(); pqOpenInCorpus(open); return; }
  var chip = ev.target.closest('[data-clear-filter]');
  if (chip) { ev.preventDefault(); pqPress('pq-clear-filter', 'pqClearFilter', chip.getAttribute('data-clear-filter')); return; }
  if (ev.target.closest('[data-retry-unfiltered]')) { ev.preventDefault(); pqPress('pq-retry-unfiltered'); return; }
  var card = ev.target.closest('[data-doc-card]');
  if (card) {  // phone 文件库: open the document, then bring it into view and the keyboard onto it
    ev.preventDefault();
    var id = card.getAttribute('data-doc-card');
    pqPress('pq-open-doc', 'pqOpenDoc', id);
    var until = Date.now() + 60000;
    (function whenShown() {
      var doc = document.querySelector('.pq-doc[data-doc-id="' + CSS.escape(id) + '"]');
      if (doc && doc.getClientRects().length) {
        doc.scrollIntoView({block: 'start'});
        doc.setAttribute('tabindex', '-1');
        doc.focus({preventScroll: true});
      } else if (Date.now() < until) { requestAnimationFrame(whenShown); }
    })();
    return;
  }
  if (ev.target.closest('.pq-back')) {  // 返回: back to what opened the viewer (phone layout)
    ev.preventDefault();
    var from = window.pqViewFrom && document.contains(window.pqViewFrom) ? window.pqViewFrom
      : document.querySelector('#answer .pq-turn.pq-last') || document.getElementById('answer');
    if (from) { from.scrollIntoView({block: 'center'}); if (from.focus) from.focus({preventScroll: true}); }
    return;
  }
  var el = ev.target.closest('[data-view]');
  if (!el) return;
  ev.preventDefault();
  if (el.closest('#answer')) window.pqViewFrom = el;
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
// A new answer at the end of the thread: bring it into view (the question box stays at the bottom).
new MutationObserver(function () {
  var last = document.querySelector('#answer .pq-turn.pq-last .pq-answer-wrap');
  var id = last && last.getAttribute('data-answer-id');
  if (id && id !== window.pqShownAnswer) {
    window.pqShownAnswer = id;
    last.closest('.pq-turn').scrollIntoView({block: 'start'});
  }
}).observe(document.documentElement, {childList: true, subtree: true});
// Gradio's toasts are titled in English by the server (gr.Error's default title): say it in Chinese.
var PQ_TOAST_TITLES = {Error: '错误', Warning: '注意', Info: '提示', Success: '完成'};
new MutationObserver(function () {
  document.querySelectorAll('.toast-title').forEach(function (t) {
    var zh = PQ_TOAST_TITLES[t.textContent.trim()];
    if (zh) t.textContent = zh;
  });
}).observe(document.documentElement, {childList: true, subtree: true, characterData: true});
// 文件库: the open document is marked in the table and in the list of cards.
new MutationObserver(function () {
  var doc = document.querySelector('#document .pq-doc[data-doc-id]');
  var id = doc ? doc.getAttribute('data-doc-id') : '';
  var head = doc && doc.querySelector('h3');
  var title = head && head.firstChild ? head.firstChild.textContent.trim() : '';
  document.querySelectorAll('[data-doc-card]').forEach(function (c) {
    var on = c.getAttribute('data-doc-card') === id;
    if (c.classList.contains('pq-open') !== on) c.classList.toggle('pq-open', on);
    if (on) c.setAttribute('aria-current', 'true'); else c.removeAttribute('aria-current');
  });
  document.querySelectorAll('#corpus-table [role=row].virtual-row').forEach(function (r) {
    var first = r.querySelector('[role=gridcell], td');
    var on = !!title && !!first && first.textContent.trim() === title;
    if (r.classList.contains('pq-open') !== on) r.classList.toggle('pq-open', on);
  });
}).observe(document.documentElement, {childList: true, subtree: true});
