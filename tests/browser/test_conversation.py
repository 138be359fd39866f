"""Issue 16 in headless Chromium (desktop, 1280 wide): the conversation kept on screen and exported
whole, filters shown on the collapsed filter bar and undone in one click, a citation card opening its
own clause, the [n] preview, the keyboard after 在文件库中查看全文, and 👍 pressed twice.
Every wait is on the page's state, never on time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .test_workspace import Page

FIRST = "个人信息保护法关于处理个人信息的告知义务"
QUESTION = "数据出境安全评估的申报情形有哪些？"


@pytest.fixture(scope="module")
def desktop(chromium_ready):
    from .headless import chrome

    d = chrome(1280, 900)
    d.set_page_load_timeout(60)
    yield d
    d.quit()


@pytest.fixture
def page(desktop, web):
    return Page(desktop, web[0]).open()


def active_view(page: Page) -> str:
    return page.driver.execute_script(
        "var v = document.querySelector('#evidence .pq-view.pq-active'); return v ? v.id : '';")


# -- 1. a conversation ----------------------------------------------------------------------------
def test_the_thread_stays_on_screen_and_every_citation_still_opens(page):
    page.ask(FIRST)
    page.ask("那敏感个人信息呢？")
    page.ask("那向境外提供呢？")
    assert page.turns() == 3
    questions = page.texts("#answer .pq-turn .pq-q")
    assert [q.lstrip("问").strip() for q in questions] == [FIRST, "那敏感个人信息呢？", "那向境外提供呢？"]
    notes = page.texts("#answer .pq-turn .pq-followup")
    assert len(notes) == 2
    # the third follow-up is asked from the conversation's topic, not the second rewrite with words glued on
    assert "向境外提供" in notes[1] and "敏感个人信息" not in notes[1] and "，向境外提供" not in notes[1]
    assert all(page.all(f"#answer .pq-turn[data-turn='{n}'] .pq-cite-item") for n in (1, 2, 3))
    # the newest answer's first clause is shown; a citation of the first answer still opens its clause
    assert active_view(page) == "pq-view-t3-c1"
    page.click("#answer .pq-turn[data-turn='1'] .pq-marker[data-view='t1-c1']")
    page.wait(lambda d: active_view(page) == "pq-view-t1-c1")
    assert page.visible("#pq-view-t1-c1 mark").text
    page.click("#answer .pq-turn[data-turn='2'] .pq-cite-item[data-view='t2-c1'] .pq-label")
    page.wait(lambda d: active_view(page) == "pq-view-t2-c1")
    label = page.css("#answer .pq-turn[data-turn='2'] .pq-cite-item[data-view='t2-c1'] .pq-label").text
    assert label in page.css("#pq-view-t2-c1 .pq-view-title").text
    # 新对话 starts over
    page.click("#new-conversation")
    page.wait(lambda d: page.turns() == 0)
    assert "输入问题后按回车" in page.css("#answer").text
    assert not page.shown("#fb-up") and not page.shown("#export")
    page.ask("那敏感个人信息呢？")
    assert page.turns() == 1 and not page.all("#answer .pq-followup")


def test_the_whole_thread_is_exported(page):
    page.ask(QUESTION)
    page.ask("那重要数据呢？")
    page.click("#export")
    page.wait(lambda d: "第 2 问" in (page.css("#export-md textarea").get_attribute("value") or ""))
    md = page.css("#export-md textarea").get_attribute("value")
    assert md.startswith("# 问答记录")
    assert md.index(f"## 第 1 问：{QUESTION}") < md.index("## 第 2 问：那重要数据呢？")
    assert md.count("### 依据") == 2 and "《数据出境安全评估办法》第四条" in md
    page.wait(lambda d: len(page.file_names("#export-files")) == 2)
    assert sorted(n.rsplit(".", 1)[1] for n in page.file_names("#export-files")) == ["docx", "md"]


# -- 2. filters on the collapsed bar; an abstention under a filter -------------------------------------
def test_an_active_filter_shows_on_the_collapsed_bar_and_its_x_removes_it(page):
    page.click("#filters .label-wrap")
    page.choose("#filter-types", "法律")
    page.click("#filters .label-wrap")  # collapse the panel again
    page.wait(lambda d: not page.shown("#filter-types"))
    chip = page.visible("#filter-chips .pq-chip")
    page.text_in("#filters .label-wrap", "已筛选 1 项")
    assert page.css("#filter-chips").text.startswith("已筛选：") and chip.text.startswith("法律")
    x = chip.find_element("css selector", ".pq-chip-x")
    assert x.get_attribute("aria-label") == "取消筛选：法律"
    x.click()
    page.wait(lambda d: not page.all("#filter-chips .pq-chip") and "已筛选" not in page.css("#filters .label-wrap").text)
    assert page.tokens("#filter-types") == []  # the filter itself is gone, not only its chip
    page.ask(QUESTION)
    assert any("数据出境安全评估办法" in label for label in page.cited_labels())  # a 部门规章: not filtered out


def test_an_abstention_under_a_filter_says_so_and_retries_without_it(page, web):
    _, engine = web
    question = "数据出境安全评估办法第四条规定了哪些申报情形？"
    assert not engine.ask(question).abstained  # answerable without a filter
    page.click("#filters .label-wrap")
    page.choose("#filter-types", "法律")  # 数据出境安全评估办法 is a 部门规章
    page.ask(question)
    assert page.all("#answer .pq-turn.pq-last .pq-abstain")
    note = page.css("#answer .pq-turn.pq-last .pq-filter-note").text
    assert "筛选" in note and "法律" in note
    before = page.answer_id()
    page.click("#answer .pq-turn.pq-last .pq-retry")
    page.wait(lambda d: page.answer_id() not in (None, before))
    assert page.turns() == 1  # the retry's answer takes the place of the empty one
    assert not page.all("#answer .pq-abstain") and not page.all("#answer .pq-filter-note")
    assert page.cited_labels()[0].startswith("《数据出境安全评估办法》第四条")
    page.wait(lambda d: page.tokens("#filter-types") == [] and not page.all("#filter-chips .pq-chip"))


# -- 3. a citation card opens its own clause ---------------------------------------------------------
def test_clicking_the_body_of_a_card_with_referenced_clauses_opens_the_cited_clause(page, web):
    _, engine = web
    question = "个人信息保护法第三十条是怎么规定的？"  # 第三十条 refers to 本法第十七条第一款
    expected = engine.ask(question)
    x = expected.context[0]
    page.ask(question)
    card = f"#answer .pq-cite-item[data-view='t1-c{x.marker}']"
    assert page.shown("#answer .pq-ctx-item[data-view='t1-x1']")  # the 所引条款 block is shown
    page.click("#answer .pq-ctx-item[data-view='t1-x1']")
    page.wait(lambda d: active_view(page) == "pq-view-t1-x1")
    # click the card at points all the way down its middle: each opens the cited clause, never the referenced one
    from selenium.webdriver.common.action_chains import ActionChains

    el = page.css(card)
    page.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
    height = el.size["height"]
    assert height > 60  # quote and all: a card with room to click in
    for dy in range(-height // 2 + 4, height // 2 - 3, 8):
        page.driver.execute_script("document.querySelector(\"#answer .pq-ctx-item[data-view='t1-x1']\").click();")
        page.wait(lambda d: active_view(page) == "pq-view-t1-x1")
        ActionChains(page.driver).move_to_element_with_offset(el, 0, dy).click().perform()
        page.wait(lambda d: active_view(page) == f"pq-view-t1-c{x.marker}")


# -- 4. the [n] preview --------------------------------------------------------------------------------
def test_a_marker_previews_its_clause_on_hover_and_on_keyboard_focus(page, web):
    from selenium.webdriver.common.action_chains import ActionChains

    _, engine = web
    cited = engine.ask(QUESTION).citations
    page.ask(QUESTION)
    tip = "#answer .pq-marker[data-view='t1-c1'] + .pq-tip"
    assert not page.css(tip).is_displayed()
    ActionChains(page.driver).move_to_element(page.css("#answer .pq-marker[data-view='t1-c1']")).perform()
    page.wait(lambda d: page.css(tip).is_displayed())
    shown = page.css(tip).text
    first_line = next(line.strip() for line in cited[0].quote.splitlines() if line.strip())
    assert cited[0].clause in shown and first_line[:15] in shown
    ActionChains(page.driver).move_to_element(page.css("#pq-header")).perform()
    page.wait(lambda d: not page.css(tip).is_displayed())
    # the keyboard: focus the marker (as Tab does) and the same preview shows; it describes the link
    marker = page.css("#answer .pq-marker[data-view='t1-c1']")
    page.driver.execute_script("arguments[0].focus();", marker)
    page.wait(lambda d: page.css(tip).is_displayed())
    described = marker.get_attribute("aria-describedby")
    assert described and page.css(f"#{described}").get_attribute("role") == "tooltip"


# -- 6. keyboard; tools only with an answer; 👍 twice ----------------------------------------------------
def test_after_opening_in_the_corpus_the_keyboard_is_on_the_clause(page):
    from selenium.webdriver.common.keys import Keys

    page.ask("个人信息保护法第二十八条是怎么规定的？")
    page.visible("#pq-view-t1-c1 .pq-open-doc").send_keys(Keys.ENTER)
    page.wait_tab("corpus")
    page.visible("#document .pq-doc[data-scrolled='1']")
    focused = page.driver.execute_script(
        "var a = document.activeElement; return [a.id, a.classList.contains('pq-focus')];")
    assert focused[0].startswith("pq-clause-") and focused[1]


def test_rating_and_export_wait_for_an_answer_and_two_presses_write_one_record(page, web):
    _, engine = web
    assert not page.shown("#fb-up") and not page.shown("#fb-down") and not page.shown("#export")
    path = Path(engine.settings.index_dir) / "feedback.jsonl"
    before = len(path.read_text("utf-8").splitlines()) if path.exists() else 0
    page.ask(QUESTION)
    page.visible("#fb-up")
    assert page.shown("#export")
    page.click("#fb-up")
    page.text_in("#fb-status", "已记录反馈")
    page.click("#fb-up")
    page.text_in("#fb-status", "已记录过")
    lines = path.read_text("utf-8").splitlines()
    assert len(lines) == before + 1
    assert json.loads(lines[-1])["feedback"]["rating"] == "up"


# -- 9. memo-ready -------------------------------------------------------------------------------------
def _word_ends(text: str) -> set[int]:
    import jieba

    ends, at = set(), 0
    for word in jieba.cut(text):
        at += len(word)
        ends.add(at)
    return ends


def test_snippets_are_cut_at_a_boundary_and_the_source_line_is_what_a_memo_cites(page, web):
    import re

    _, engine = web
    answer = engine.ask(QUESTION)
    page.ask(QUESTION)
    page.click("#answer .pq-related-box summary")
    shown = page.texts("#answer .pq-related .pq-quote")
    assert len(shown) == len(answer.related) and any(s.endswith("…") for s in shown)
    for text, r in zip(shown, answer.related):
        full = re.sub(r"\s+", " ", r.snippet).strip()
        if text == full:
            continue
        kept = text[:-1]
        assert text.endswith("…") and full.startswith(kept)
        assert kept[-1] in "。；！？" or full[len(kept)] in "，、：）" or len(kept) in _word_ends(full), text
    # the viewer's source line: issuer · 文号 · date · status, and the clause path; the file only in 技术信息
    c = answer.citations[0]
    doc = next(d for d in engine.documents if d.id == c.doc_id)
    head = page.visible("#pq-view-t1-c1 .pq-view-head")
    line = head.find_element("css selector", ".pq-meta-line").text
    assert all(i in line for i in doc.meta.issuers) and "现行有效" in line
    assert (doc.meta.doc_number or "") in line and "施行" in line
    assert head.find_element("css selector", ".pq-path").text.startswith(f"《{doc.title}》 › ")
    def rendered() -> str:  # what is on screen (a closed <details> hides its content)
        return page.driver.execute_script("return arguments[0].innerText;", head)

    assert c.source not in rendered() and f"{c.start}–{c.end}" not in rendered()
    page.click("#pq-view-t1-c1 .pq-tech summary")
    page.wait(lambda d: c.source in rendered() and f"字符 {c.start}–{c.end}" in rendered())
