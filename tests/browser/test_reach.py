"""Issue 16 in headless Chromium: Chinese in a browser set to English, the phone layout (390×844), and
an accessibility audit of the computed styles (contrast ≥ 4.5:1, no text under 11 px) over the
page's states. Every wait is on the page's state, never on time."""

from __future__ import annotations

import pytest

from .audit import audit
from .test_workspace import Page

QUESTION = "数据出境安全评估的申报情形有哪些？"
REFERRING = "个人信息保护法第三十条是怎么规定的？"  # 第三十条 refers to 本法第十七条第一款
ENGLISH = ("Use via API", "Built with", "Settings", "Drop File Here", "Click to Upload", "Textbox", "Error",
           "unknown", "Runs")


def accessible_names(page: Page) -> list[tuple[str, str]]:
    """(element, accessible name) of every shown text field: its aria-label, aria-labelledby or <label>."""
    return page.driver.execute_script("""
        return Array.from(document.querySelectorAll('textarea, input:not([type=hidden]):not([type=file])'))
          .filter(e => e.getClientRects().length)
          .map(e => {
            let name = e.getAttribute('aria-label') || '';
            const by = e.getAttribute('aria-labelledby');
            if (!name && by) name = by.split(' ').map(i => (document.getElementById(i) || {}).textContent || '').join(' ');
            if (!name && e.labels && e.labels.length) name = e.labels[0].textContent;
            return [e.id || e.closest('[id]').id, (name || '').trim()];
          });""")


# -- 5. Chinese throughout ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def english_browser(chromium_ready):
    from .headless import chrome

    d = chrome(1280, 900, lang="en-US")
    d.set_page_load_timeout(60)
    yield d
    d.quit()


def test_the_page_is_chinese_in_a_browser_set_to_english(english_browser, web):
    page = Page(english_browser, web[0]).open()
    assert page.driver.execute_script("return navigator.languages[0]") in ("en-US", "zh-CN")
    page.wait(lambda d: "通过 API 使用" in page.css("footer").text)  # Gradio's own strings, in Chinese
    assert page.driver.execute_script("return document.documentElement.lang") == "zh-CN"
    names = accessible_names(page)
    assert names and all(name and name != "Textbox" for _, name in names), names
    assert dict(names).get("question") == "问题"
    page.tab("corpus")
    page.click("#upload-box .label-wrap")
    page.visible("#upload")
    names = dict(accessible_names(page))
    assert names.get("corpus-search") == "搜索文件"
    page.click("#add")  # nothing chosen: refused, in a toast
    page.visible(".toast-body")
    page.wait(lambda d: page.css(".toast-title").text == "错误")
    body = page.css("body").text
    assert [w for w in ENGLISH if w in body] == []


# -- 7. the phone --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def handset(chromium_ready):
    from .headless import phone

    d = phone(390, 844)
    d.set_page_load_timeout(60)
    yield d
    d.quit()


def test_the_phone_layout(handset, web):
    _, engine = web
    page = Page(handset, web[0]).open()
    assert page.driver.execute_script("return [innerWidth, document.documentElement.scrollWidth]") == [390, 390]
    box = page.css("#question textarea")
    assert box.size["width"] >= 330 and page.css("#ask").size["height"] >= 40  # a usable question box
    assert "右侧" not in page.css("body").text and "右边" not in page.css("body").text
    page.ask(QUESTION)
    assert page.driver.execute_script("return document.documentElement.scrollWidth") == 390  # nothing wider
    page.click("#answer .pq-cite-item[data-view='t1-c2'] .pq-label")
    page.wait(lambda d: "pq-active" in page.css("#pq-view-t1-c2").get_attribute("class"))
    back = page.visible("#evidence .pq-back")
    assert back.text == "← 返回回答"
    in_view = ("var r = arguments[0].getBoundingClientRect(); "
               "return r.bottom > 0 && r.top < window.innerHeight;")
    page.wait(lambda d: d.execute_script(in_view, page.css("#pq-view-t1-c2")))  # the viewer came into view
    back.click()
    card = page.css("#answer .pq-cite-item[data-view='t1-c2']")
    page.wait(lambda d: d.execute_script(in_view, card)
              and d.execute_script("return document.activeElement === arguments[0];", card))
    # 文件库: a list of cards, not a table of one-character columns
    page.tab("corpus")
    assert not page.shown("#corpus-table")
    cards = [c for c in page.all("#corpus-cards .pq-doc-card") if c.is_displayed()]
    assert len(cards) == len(engine.documents)
    assert all(c.size["width"] >= 330 for c in cards)  # the width of the screen, less its margins
    titles = [c.find_element("css selector", ".pq-doc-card-title").text for c in cards]
    assert sorted(titles) == sorted(d.title for d in engine.documents)
    title = titles[-1]
    cards[-1].click()
    page.text_in("#document .pq-doc[data-doc-id] h3", title)
    page.wait(lambda d: d.execute_script(in_view, page.css("#document .pq-doc[data-doc-id]")))
    assert audit(page.driver) == []


def test_the_viewer_has_no_back_button_on_a_desktop(driver, web):
    page = Page(driver, web[0]).open()
    page.ask(QUESTION)
    page.visible("#pq-view-t1-c1")
    assert page.all("#evidence .pq-back") and not page.shown("#evidence .pq-back")


# -- 8. accessibility audit ------------------------------------------------------------------------
def test_the_audit_finds_what_it_looks_for(driver, web):
    """The audit itself: low contrast and tiny text put on the page are reported."""
    page = Page(driver, web[0]).open()
    page.driver.execute_script(
        "var d = document.createElement('div'); d.id = 'pq-audit-probe';"
        "d.innerHTML = \"<p style='color:#bbb;background:#fff'>浅灰</p><p style='font-size:9px'>小字</p>\";"
        "document.body.appendChild(d);")
    found = {(v["kind"], v["text"]) for v in audit(page.driver, "#pq-audit-probe")}
    assert found == {("contrast", "浅灰"), ("size", "小字")}


def test_no_serious_accessibility_violations_in_any_state_of_the_page(driver, web):
    from selenium.webdriver.common.action_chains import ActionChains

    page = Page(driver, web[0]).open()
    states = {"start": audit(page.driver)}
    page.ask(REFERRING)  # a citation with 所引条款, the viewer with neighbouring clauses
    page.ask("那敏感个人信息呢？")  # a follow-up note
    ActionChains(page.driver).move_to_element(page.css("#answer .pq-marker[data-view='t2-c1']")).perform()
    page.wait(lambda d: page.css("#answer .pq-marker[data-view='t2-c1'] + .pq-tip").is_displayed())
    states["thread, preview"] = audit(page.driver)
    page.click("#pq-view-t2-c1 .pq-tech summary")
    page.click("#pq-view-t2-c1 .pq-meta-box summary")
    states["viewer details"] = audit(page.driver)
    page.click("#filters .label-wrap")
    page.choose("#filter-types", "法律")
    page.ask("数据出境安全评估办法第四条规定了哪些申报情形？")  # nothing under 法律: the filter note
    page.visible("#answer .pq-retry")
    states["filters, abstention"] = audit(page.driver)
    page.click("#export")
    page.wait(lambda d: len(page.file_names("#export-files")) == 2)
    page.click("#fb-down")
    page.text_in("#fb-status", "已记录反馈")
    states["export, feedback"] = audit(page.driver)
    page.tab("corpus")
    page.open_document("中华人民共和国个人信息保护法")
    states["corpus"] = audit(page.driver)
    assert {k: v for k, v in states.items() if v} == {}
