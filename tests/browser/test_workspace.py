"""End to end in headless Chromium: ask, open a citation, filter, browse, upload a real PDF, answer
from it, remove it, export, rate, follow up. The app runs on 127.0.0.1 over a private slice index."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.conftest import shared_dir

QUESTION = "数据出境安全评估的申报情形有哪些？"
WAIT = 60  # seconds: a loaded 2-core machine, several test sessions at once


class Page:
    """The app in the browser, with the few gestures the tests need."""

    def __init__(self, driver, url: str) -> None:
        self.driver = driver
        self.url = url

    # -- basics --------------------------------------------------------------------------------
    def wait(self, condition, timeout: float = WAIT):
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, timeout, poll_frequency=0.1,
                             ignored_exceptions=(StaleElementReferenceException,)).until(condition)

    def texts(self, selector: str, attribute: str | None = None) -> list[str]:
        """Text (or an attribute) of every match, read in one script so nothing goes stale."""
        return self.driver.execute_script(
            "return Array.from(document.querySelectorAll(arguments[0]))"
            ".map(e => arguments[1] ? e.getAttribute(arguments[1]) : e.innerText);", selector, attribute)

    def css(self, selector: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def all(self, selector: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def visible(self, selector: str):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC

        return self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR, selector)))

    def text_in(self, selector: str, text: str) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC

        self.wait(EC.text_to_be_present_in_element((By.CSS_SELECTOR, selector), text))

    def click(self, selector: str) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC

        el = self.wait(EC.element_to_be_clickable((By.CSS_SELECTOR, selector)))
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
        el.click()

    def open(self) -> "Page":
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC

        self.driver.get(self.url)
        self.wait(EC.element_to_be_clickable((By.CSS_SELECTOR, "#question textarea")))
        return self

    def tab(self, name: str) -> None:
        self.click(f"#{name}-tab-button")

    # -- asking --------------------------------------------------------------------------------
    def answer_id(self) -> str | None:
        els = self.all("#answer .pq-answer-wrap")
        return els[0].get_attribute("data-answer-id") if els else None

    def ask(self, question: str):
        from selenium.webdriver.common.keys import Keys

        before = self.answer_id()
        box = self.css("#question textarea")
        box.clear()
        box.send_keys(question)
        box.send_keys(Keys.ENTER)
        self.wait(lambda d: self.answer_id() not in (None, before))
        return self.css("#answer")

    def cited_labels(self) -> list[str]:
        return self.texts("#answer .pq-cite-item:not(.pq-related) .pq-label")

    def choose(self, dropdown: str, option_prefix: str) -> None:
        """Pick an option of a multiselect dropdown by the start of its label."""
        from selenium.webdriver.common.keys import Keys

        self.click(f"{dropdown} input")
        self.click(f"{dropdown} li[data-testid='dropdown-option'][aria-label^='{option_prefix}']")
        self.css(f"{dropdown} input").send_keys(Keys.ESCAPE)

    def upload(self, path: Path) -> None:
        if not any(e.is_displayed() for e in self.all("#upload")):
            self.click("#upload-box .label-wrap")
        self.css("#upload input[type=file]").send_keys(str(path))
        self.wait(lambda d: path.name in self.file_names("#upload"))

    def file_names(self, component: str) -> list[str]:
        return self.texts(f"{component} td.filename", "aria-label")

    def rows(self) -> list[str]:
        return self.texts("#corpus-table [role=row].virtual-row")

    def search_corpus(self, text: str) -> None:
        from selenium.webdriver.common.keys import Keys

        box = self.css("#corpus-search textarea, #corpus-search input")
        box.clear()
        box.send_keys(text, Keys.ENTER)
        self.wait(lambda d: self.rows() and all(text in r for r in self.rows()))


@pytest.fixture
def page(driver, web):
    url, _engine = web
    return Page(driver, url).open()


# -- ask and read ------------------------------------------------------------------------------
def test_ask_shows_answer_with_markers_citations_and_warning_free_text(page):
    assert "政策法规问答" in page.css("#pq-header").text
    answer = page.ask(QUESTION)
    markers = page.all("#answer .pq-marker")
    assert markers and markers[0].text == "[1]"
    assert any("《数据出境安全评估办法》第四条" in label for label in page.cited_labels())
    assert "引用条款" in answer.text
    # the viewer shows the first citation before any click
    view = page.visible("#evidence .pq-view.pq-active")
    assert view.get_attribute("id") == "pq-view-c1"


def test_clicking_a_marker_opens_the_clause_with_the_quote_highlighted(page, web):
    _, engine = web
    page.ask(QUESTION)
    expected = engine.ask(QUESTION)
    last = expected.citations[-1]
    page.click(f"#answer .pq-marker[data-view='c{last.marker}']")
    view = page.visible(f"#pq-view-c{last.marker}")
    assert "pq-active" in view.get_attribute("class")
    others = [v for v in page.all("#evidence .pq-view") if v.get_attribute("id") != f"pq-view-c{last.marker}"]
    assert all(not v.is_displayed() for v in others)
    mark = view.find_element("css selector", "mark")
    assert mark.is_displayed()
    first_line = next(line.strip() for line in last.quote.splitlines() if line.strip())
    assert first_line[:20] in mark.text
    assert f"《{last.doc_title}》" in view.find_element("css selector", ".pq-path").text
    doc = next(d for d in engine.documents if d.id == last.doc_id)
    meta = view.find_element("css selector", ".pq-meta-line").text
    assert all(issuer in meta for issuer in doc.metadata["issuers"]) and "现行有效" in meta
    view.find_element("css selector", ".pq-meta-box summary").click()
    assert "发布机关" in view.text and "文号" in view.text
    # the citation list opens the same view
    page.click("#answer .pq-cite-item[data-view='c1']")
    assert page.visible("#pq-view-c1").find_element("css selector", "mark").is_displayed()
    assert not page.css(f"#pq-view-c{last.marker}").is_displayed() or last.marker == 1


def test_abstention_is_plain_and_shows_related_clauses(page):
    page.ask("员工年终奖应该按什么比例缴纳个人所得税？")
    assert "无法回答" in page.css("#answer .pq-abstain").text
    assert "最接近的条款" in page.css("#answer").text
    page.click("#answer .pq-related[data-view='r1']")
    assert page.visible("#pq-view-r1").find_element("css selector", "mark").is_displayed()


def test_a_filter_changes_the_results(page, web):
    _, engine = web
    question = "向境外提供个人信息需要满足什么条件？"
    docs = {d.title: d for d in engine.documents}
    page.click("#filters .label-wrap")
    page.choose("#filter-types", "法律")
    page.ask(question)
    laws = page.cited_labels()
    assert laws and all(docs[label[1:label.index("》")]].metadata["doc_type"] == "法律" for label in laws)
    page.css("#filter-types").find_element("css selector", ".token-remove, .token .remove, button").click()
    page.choose("#filter-types", "部门规章")
    page.ask(question)
    rules = page.cited_labels()
    assert rules and all(docs[label[1:label.index("》")]].metadata["doc_type"] == "部门规章" for label in rules)
    assert set(laws).isdisjoint(rules)


def test_follow_up_keeps_the_previous_document_and_subject(page):
    page.ask("个人信息保护法关于处理个人信息的告知义务")
    page.ask("那敏感个人信息呢？")
    note = page.css("#answer .pq-followup").text
    assert "个人信息保护法" in note and "敏感个人信息" in note
    assert all("个人信息保护法" in label for label in page.cited_labels())
    page.click("#new-conversation")
    page.wait(lambda d: not page.all("#answer .pq-followup"))
    page.ask("那敏感个人信息呢？")
    assert not page.all("#answer .pq-followup")


def test_export_gives_markdown_and_word(page):
    page.ask(QUESTION)
    page.click("#export")
    page.wait(lambda d: "### 依据" in (page.css("#export-md textarea").get_attribute("value") or ""))
    md = page.css("#export-md textarea").get_attribute("value")
    assert "《数据出境安全评估办法》第四条" in md and "1. **" in md
    page.wait(lambda d: len(page.file_names("#export-files")) == 2)
    names = page.file_names("#export-files")
    assert sorted(n.rsplit(".", 1)[1] for n in names) == ["docx", "md"]


def test_feedback_is_appended_in_the_evaluation_schema(page, web):
    _, engine = web
    path = Path(engine.settings.index_dir) / "feedback.jsonl"
    before = len(path.read_text("utf-8").splitlines()) if path.exists() else 0
    page.ask(QUESTION)
    page.css("#fb-comment textarea, #fb-comment input").send_keys("引用准确")
    page.click("#fb-up")
    page.text_in("#fb-status", "已记录反馈")
    lines = path.read_text("utf-8").splitlines()
    assert len(lines) == before + 1
    rec = json.loads(lines[-1])
    assert rec["question"] == QUESTION and rec["feedback"]["rating"] == "up" and rec["note"] == "引用准确"
    assert rec["evidence"] and {"id", "type", "question", "evidence", "key_facts"} <= set(rec)


# -- the corpus ----------------------------------------------------------------------------------
def test_corpus_browser_searches_and_opens_a_document_as_a_tree(page):
    page.tab("corpus")
    page.search_corpus("个人信息保护法")
    page.click("#corpus-table [data-testid='cell-0-0']")
    doc = page.visible("#document .pq-doc")
    assert "中华人民共和国个人信息保护法" in doc.find_element("css selector", "h3").text
    chapters = doc.find_elements("css selector", "details.pq-node[data-level='章'] > summary")
    assert chapters and chapters[0].text.startswith("第一章")
    assert "第一条" in doc.text and "发布机关" in doc.text
    assert page.css("#remove").is_displayed()


def test_upload_a_pdf_answer_from_it_remove_it(page, web):
    _, engine = web
    pdf = shared_dir("pdfs") / "sunyifeisb-art__中华人民共和国数据安全法.pdf"
    question = "数据安全法第二十一条是怎么规定的？"
    n_docs = len(engine.documents)
    page.ask(question)
    assert not any("数据安全法》" in label for label in page.cited_labels())

    page.tab("corpus")
    page.upload(pdf)
    page.click("#add")
    page.text_in("#add-report", "已添加")
    assert "数据安全法" in page.css("#add-report").text
    page.wait(lambda d: page.css("#pq-doc-count").text == str(n_docs + 1))
    staged = list((Path(engine.settings.index_dir) / "uploads").iterdir())
    assert [p.name for p in staged] == [pdf.name]  # the safe name of this file is its own name

    page.tab("ask")
    page.ask(question)
    labels = page.cited_labels()
    assert labels and labels[0].startswith("《中华人民共和国数据安全法》第二十一条")
    view = page.visible("#pq-view-c1")
    assert "PDF 第" in view.find_element("css selector", ".pq-where").text

    page.tab("corpus")
    page.search_corpus("中华人民共和国数据安全法")
    page.click("#corpus-table [data-testid='cell-0-0']")
    page.text_in("#document h3", "中华人民共和国数据安全法")
    page.click("#remove")
    page.text_in("#remove-report", "已删除")
    page.wait(lambda d: page.css("#pq-doc-count").text == str(n_docs))

    page.tab("ask")
    page.ask(question)
    assert not any("数据安全法》" in label for label in page.cited_labels())


def test_an_unreadable_upload_shows_its_reason_and_changes_nothing(page, web, tmp_path):
    _, engine = web
    fake = tmp_path / "伪装的文件.pdf"
    fake.write_bytes(b"this is not a pdf at all")
    n_docs = len(engine.documents)
    version = engine.data.path
    page.tab("corpus")
    page.upload(fake)
    page.click("#add")
    page.text_in("#add-report", "不是 PDF")
    assert "伪装的文件.pdf" in page.css("#add-report").text
    time.sleep(0.2)
    assert len(engine.documents) == n_docs and engine.data.path == version
    assert page.css("#pq-doc-count").text == str(n_docs)
