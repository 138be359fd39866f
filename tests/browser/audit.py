"""An accessibility check over the page's computed styles, run in the browser: every piece of text
shown must have a contrast of at least 4.5:1 against what is behind it (3:1 for large text, WCAG 2
AA) and be at least 11 px high. Backgrounds are composited up the ancestors (their alpha included)
onto white; text over an image is not judged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from selenium.webdriver.remote.webdriver import WebDriver

MIN_PX = 11.0
MIN_RATIO = 4.5
MIN_RATIO_LARGE = 3.0

_SCRIPT = r"""
const root = arguments[0] ? document.querySelector(arguments[0]) : document.body;
const MIN_PX = arguments[1], MIN = arguments[2], MIN_LARGE = arguments[3];
function rgba(s) {
  const m = s.match(/rgba?\(([^)]+)\)/);
  if (!m) return [0, 0, 0, 0];
  const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
  return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
}
function over(top, bottom) {  // top (with alpha) composited over an opaque bottom
  const a = top[3];
  return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
}
function background(el) {
  const layers = [];
  for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
    const cs = getComputedStyle(e);
    if (cs.backgroundImage && cs.backgroundImage !== 'none' && !cs.backgroundImage.startsWith('linear-gradient')) {
      return null;  // text over an image: not judged here
    }
    const c = rgba(cs.backgroundColor);
    if (c[3] > 0) layers.push(c);
    if (c[3] >= 1) break;
  }
  let bg = [255, 255, 255, 1];
  for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
  return bg;
}
function lum(c) {
  const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
}
function shown(el) {
  if (!el.getClientRects().length) return false;
  for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
    const cs = getComputedStyle(e);
    if (cs.visibility === 'hidden' || cs.display === 'none' || Number(cs.opacity) === 0) return false;
  }
  const r = el.getBoundingClientRect();
  return r.width > 1 && r.height > 1;
}
const out = [];
const seen = new Set();
const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  const text = n.nodeValue.trim();
  const el = n.parentElement;
  if (!text || !el || seen.has(el) || ['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEXTAREA', 'OPTION'].includes(el.tagName)) continue;
  seen.add(el);
  if (!shown(el)) continue;
  const cs = getComputedStyle(el);
  const size = parseFloat(cs.fontSize);
  const bold = Number(cs.fontWeight) >= 700;
  const large = size >= 24 || (bold && size >= 18.66);
  const bg = background(el);
  const where = (el.id ? '#' + el.id : el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined
    ? '.' + String(el.className).trim().split(/\s+/).join('.') : ''));
  if (size < MIN_PX) out.push({kind: 'size', where, text: text.slice(0, 30), size});
  if (!bg) continue;
  const fg = over(rgba(cs.color), bg);
  const a = lum(fg), b = lum(bg);
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  const need = large ? MIN_LARGE : MIN;
  if (ratio < need) out.push({kind: 'contrast', where, text: text.slice(0, 30), ratio: Math.round(ratio * 100) / 100,
    need, color: cs.color, background: 'rgb(' + bg.slice(0, 3).map(Math.round).join(', ') + ')', size});
}
return out;
"""


def audit(driver: "WebDriver", selector: str | None = None) -> list[dict[str, Any]]:
    """The serious violations of the text shown (under ``selector``, else the whole page)."""
    return driver.execute_script(_SCRIPT, selector, MIN_PX, MIN_RATIO, MIN_RATIO_LARGE)
