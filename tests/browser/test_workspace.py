"""End to end in headless Chromium: ask, open a citation and from it the document in 文件库, filter,
browse, upload a real PDF, answer from it, cancel and confirm its removal, export, rate, follow up.
The app runs on 127.0.0.1 over a private slice index. Every wait is on the state of the page
(WebDriverWait on an element or a value), never on time."""

from __future__ import annotations

import json
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

    def shown(self, selector: str) -> bool:
        """Whether a match is displayed (Gradio takes hidden components out of the page)."""
        return any(e.is_displayed() for e in self.all(selector))

    def visible(self, selector: str):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC

        return self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR, selector)))

    def text_in(self, selector: str, text: str) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC

        self.wait(EC.text_to_be_present_in_element((By.CSS_SELECTOR, selector), text))

    def click(self, selector: str) -> None:
        """Click the first shown, enabled match once nothing covers it (a closing dropdown, a
        re-rendered row): the click is retried until the element itself receives it."""
        from selenium.common.exceptions import ElementClickInterceptedException, ElementNotInteractableException

        def clicked(driver) -> bool:
            el = next((e for e in self.all(selector) if e.is_displayed() and e.is_enabled()), None)
            if el is None:
                return False
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
            try:
                el.click()
            except (ElementClickInterceptedException, ElementNotInteractableException):
                return False
            return True

        self.wait(clicked)

    def open(self) -> "Page":
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC

        self.driver.get(self.url)
        self.wait(EC.element_to_be_clickable((By.CSS_SELECTOR, "#question textarea")))
        return self

    def tab(self, name: str) -> None:
        self.click(f"#{name}-tab-button")
        self.wait_tab(name)

    def wait_tab(self, name: str) -> None:
        """Until tab ``name`` is the selected one and its panel is shown."""
        self.wait(lambda d: self.css(f"#{name}-tab-button").get_attribute("aria-selected") == "true"
                  and self.css(f"#{name}-tab").is_displayed())

    def open_document(self, title: str) -> None:
        """文件库: search for ``title`` and open the first hit as its tree."""
        self.search_corpus(title)
        self.click("#corpus-table [data-testid='cell-0-0']")
        self.text_in("#document .pq-doc[data-doc-id] h3", title)

    # -- asking --------------------------------------------------------------------------------
    def answer_id(self) -> str | None:
        """The id of the newest answer of the thread."""
        els = self.all("#answer .pq-turn.pq-last .pq-answer-wrap")
        return els[0].get_attribute("data-answer-id") if els else None

    def turns(self) -> int:
        return len(self.all("#answer .pq-turn"))

    def k(self, key: str) -> str:
        """The viewer key of ``key`` (c1, r2, x1) of the newest answer: t<n>-c1."""
        return f"t{self.turns()}-{key}"

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
        return self.texts("#answer .pq-turn.pq-last .pq-cite-item:not(.pq-related) .pq-label")

    def choose(self, dropdown: str, option_prefix: str) -> None:
        """Pick an option of a multiselect dropdown by the start of its label."""
        from selenium.webdriver.common.keys import Keys

        self.click(f"{dropdown} input")
        self.click(f"{dropdown} li[data-testid='dropdown-option'][aria-label^='{option_prefix}']")
        self.wait(lambda d: any(t.startswith(option_prefix) for t in self.tokens(dropdown)))  # the value is set
        self.css(f"{dropdown} input").send_keys(Keys.ESCAPE)
        self.wait(lambda d: not self.shown(f"{dropdown} li[data-testid='dropdown-option']"))

    def tokens(self, dropdown: str) -> list[str]:
        """The chosen options of a multiselect dropdown."""
        return self.texts(f"{dropdown} .token > span")

    def unchoose_all(self, dropdown: str) -> None:
        while self.tokens(dropdown):
            n = len(self.tokens(dropdown))
            self.click(f"{dropdown} .token .token-remove")
            self.wait(lambda d: len(self.tokens(dropdown)) < n)

    def upload(self, path: Path) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC

        if not self.shown("#upload"):
            self.click("#upload-box .label-wrap")
        # the accordion renders its content when it opens: wait for the file field to exist
        field = self.wait(EC.presence_of_element_located((By.CSS_SELECTOR, "#upload input[type=file]")))
        field.send_keys(str(path))
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
    assert view.get_attribute("id") == "pq-view-t1-c1"


def test_clicking_a_marker_opens_the_clause_with_the_quote_highlighted(page, web):
    _, engine = web
    page.ask(QUESTION)
    expected = engine.ask(QUESTION)
    last = expected.citations[-1]
    page.click(f"#answer .pq-marker[data-view='t1-c{last.marker}']")
    view = page.visible(f"#pq-view-t1-c{last.marker}")
    assert "pq-active" in view.get_attribute("class")
    others = [v for v in page.all("#evidence .pq-view") if v.get_attribute("id") != f"pq-view-t1-c{last.marker}"]
    assert all(not v.is_displayed() for v in others)
    mark = view.find_element("css selector", "mark")
    assert mark.is_displayed()
    first_line = next(line.strip() for line in last.quote.splitlines() if line.strip())
    assert first_line[:20] in mark.text
    assert f"《{last.doc_title}》" in view.find_element("css selector", ".pq-path").text
    doc = next(d for d in engine.documents if d.id == last.doc_id)
    meta = view.find_element("css selector", ".pq-meta-line").text
    assert all(issuer in meta for issuer in doc.metadata["issuers"]) and "现行有效" in meta
    page.click(f"#pq-view-t1-c{last.marker} .pq-meta-box summary")
    assert "发布机关" in view.text and "文号" in view.text
    # the citation list opens the same view
    page.click("#answer .pq-cite-item[data-view='t1-c1'] .pq-label")
    assert page.visible("#pq-view-t1-c1").find_element("css selector", "mark").is_displayed()
    assert not page.css(f"#pq-view-t1-c{last.marker}").is_displayed() or last.marker == 1


def test_abstention_is_plain_and_shows_related_clauses(page):
    page.ask("员工年终奖应该按什么比例缴纳个人所得税？")
    assert "无法回答" in page.css("#answer .pq-abstain").text
    assert "最接近的条款" in page.css("#answer").text
    page.click("#answer .pq-related[data-view='t1-r1']")
    assert page.visible("#pq-view-t1-r1").find_element("css selector", "mark").is_displayed()


def test_a_filter_changes_the_results(page, web):
    _, engine = web
    question = "向境外提供个人信息需要满足什么条件？"
    docs = {d.title: d for d in engine.documents}
    page.click("#filters .label-wrap")
    page.choose("#filter-types", "法律")
    page.ask(question)
    laws = page.cited_labels()
    assert laws and all(docs[label[1:label.index("》")]].metadata["doc_type"] == "法律" for label in laws)
    page.unchoose_all("#filter-types")
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
    doc = page.visible("#document .pq-doc[data-doc-id]")  # not the empty placeholder
    assert "中华人民共和国个人信息保护法" in doc.find_element("css selector", "h3").text
    chapters = doc.find_elements("css selector", "details.pq-node[data-level='章'] > summary")
    assert chapters and chapters[0].text.startswith("第一章")
    assert "第一条" in doc.text and "发布机关" in doc.text
    assert page.visible("#remove").text == "从索引中删除这份文件"


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
    view = page.visible(f"#pq-view-{page.k('c1')}")
    assert "PDF 第" in view.find_element("css selector", ".pq-where").text

    page.tab("corpus")
    page.open_document("中华人民共和国数据安全法")
    page.click("#remove")
    page.text_in("#remove-confirm", "确认删除《中华人民共和国数据安全法》？")
    page.click("#remove-yes")
    page.text_in("#remove-report", "已删除")
    page.wait(lambda d: page.css("#pq-doc-count").text == str(n_docs))
    assert not page.shown("#remove-confirm") and not page.shown("#remove")
    assert "中华人民共和国数据安全法" not in {d.title for d in engine.documents}

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
    page.text_in("#add-report", "不是 PDF")  # the report is written after the add has returned
    assert "伪装的文件.pdf" in page.css("#add-report").text
    assert len(engine.documents) == n_docs and engine.data.path == version
    assert page.css("#pq-doc-count").text == str(n_docs)


def test_removing_asks_first_and_cancel_keeps_the_document(page, web):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.keys import Keys

    _, engine = web
    title = "促进和规范数据跨境流动规定"
    question = "促进和规范数据跨境流动规定第五条是怎么规定的？"
    n_docs = len(engine.documents)
    page.tab("corpus")
    page.open_document(title)
    page.click("#remove")
    page.text_in("#remove-confirm", f"确认删除《{title}》？")
    assert not page.shown("#remove")
    assert [b.text for b in page.all("#remove-confirm button")] == ["确认删除", "取消"]
    with pytest.raises(NoAlertPresentException):  # asked in the page, not by a browser dialog
        page.driver.switch_to.alert.text
    # the keyboard is on 取消: Enter cancels
    page.wait(lambda d: d.execute_script("return document.activeElement.id;") == "remove-no")
    page.driver.switch_to.active_element.send_keys(Keys.ENTER)
    page.wait(lambda d: page.shown("#remove") and not page.shown("#remove-confirm"))
    page.text_in("#document .pq-doc[data-doc-id] h3", title)  # still open
    assert page.css("#pq-doc-count").text == str(n_docs)
    assert title in {d.title for d in engine.documents} and len(engine.documents) == n_docs
    page.tab("ask")
    page.ask(question)
    labels = page.cited_labels()
    assert labels and labels[0].startswith(f"《{title}》第五条")


def test_the_viewer_opens_the_cited_clause_in_the_corpus_browser(page, web):
    from selenium.webdriver.common.keys import Keys

    from ui.render import CorpusView

    _, engine = web
    question = "个人信息保护法第二十八条是怎么规定的？"
    page.ask(question)
    cited = engine.ask(question).citations[0]
    assert "第二十八条" in cited.clause
    view = CorpusView.of(engine.data)
    unit = view.unit_of(view.clauses[cited.clause_id])
    link = page.visible("#pq-view-t1-c1 .pq-open-doc")
    assert link.text == "在文件库中查看全文"
    link.send_keys(Keys.ENTER)  # reachable by keyboard: a link
    page.wait_tab("corpus")
    page.text_in("#document .pq-doc[data-doc-id] h3", cited.doc_title)
    page.visible("#document .pq-doc[data-scrolled='1']")
    focus = page.all("#document .pq-focus")
    assert [f.get_attribute("id") for f in focus] == ["pq-clause-" + unit.id.replace(":", "-").replace(".", "-")]
    first_line = next(line.strip() for line in cited.quote.splitlines() if line.strip())
    assert first_line[:20] in focus[0].find_element("css selector", "mark").text
    box, top, bottom, scrolled, background = page.driver.execute_script(
        "var d = document.querySelector('#document .pq-doc'), f = d.querySelector('.pq-focus');"
        "var b = d.getBoundingClientRect(), r = f.getBoundingClientRect();"
        "return [b.top, r.top, b.bottom, d.scrollTop, getComputedStyle(f).backgroundColor];")
    assert scrolled > 0 and box <= top < bottom  # scrolled to the clause, which is in view
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")  # and highlighted
    assert page.visible("#remove").text == "从索引中删除这份文件"


def test_the_clauses_a_citation_refers_to_open_in_the_viewer(page, web):
    """Answer.context in the page (the rendering of every field is covered by
    tests/test_ui_render.py with hand-built answers)."""
    _, engine = web
    question = "个人信息保护法第三十条是怎么规定的？"  # 第三十条 refers to 本法第十七条第一款
    expected = engine.ask(question)
    assert expected.context, "the engine must attach 第十七条第一款, which 第三十条 refers to"
    x = expected.context[0]
    assert x.clause.endswith("第十七条第一款")
    page.ask(question)
    item = page.visible(f"#answer .pq-cite:has(> .pq-cite-item[data-view='t1-c{x.marker}']) "
                        ".pq-ctx-item[data-view='t1-x1']")
    assert x.ref in item.text and x.clause in item.text
    page.click("#answer .pq-ctx-item[data-view='t1-x1']")
    view = page.visible("#pq-view-t1-x1")
    assert "pq-active" in view.get_attribute("class")
    first_line = next(line.strip() for line in x.quote.splitlines() if line.strip())
    assert first_line[:20] in view.find_element("css selector", "mark").text
    page.click("#pq-view-t1-x1 .pq-ctx-back")
    assert "pq-active" in page.visible(f"#pq-view-t1-c{x.marker}").get_attribute("class")


def test_an_upload_of_an_indexed_title_asks_before_it_replaces(page, web, tmp_path):
    """One page of a law under the law's title: held back and said so (much shorter), kept beside
    the law when the user chooses 两份都保留, and removing it leaves the law."""
    _, engine = web
    title = "中华人民共和国个人信息保护法"
    law = next(d for d in engine.documents if d.title == title)
    stub = tmp_path / "个保法摘录.txt"
    stub.write_text(f"{title}\n\n第一条 为了保护个人信息权益，规范个人信息处理活动，制定本法。\n", encoding="utf-8")
    n_docs = len(engine.documents)

    page.tab("corpus")
    page.upload(stub)
    page.click("#add")
    page.text_in("#add-report", "未添加")
    report = page.css("#add-report").text
    assert title in report and "明显更短" in page.css("#add-report").text and "两份都保留" in report
    assert len(engine.documents) == n_docs and law.id in {d.id for d in engine.documents}

    keep = next(e for e in page.all("#on-conflict label") if e.text.strip() == "两份都保留")
    keep.click()
    page.click("#add")
    page.text_in("#add-report", "已添加")
    page.wait(lambda d: page.css("#pq-doc-count").text == str(n_docs + 1))
    assert [d.source for d in engine.documents if d.title == title].count(law.source) == 1

    added = next(d for d in engine.documents if d.title == title and d.source != law.source)
    engine.remove([added.id])
    assert law.id in {d.id for d in engine.documents} and len(engine.documents) == n_docs


def test_the_open_document_is_marked_its_title_stays_and_its_tree_folds_and_links(page):
    title = "中华人民共和国个人信息保护法"
    page.tab("corpus")
    page.open_document(title)
    # the open document is marked in the list
    page.wait(lambda d: any(title in r.text for r in page.all("#corpus-table [role=row].pq-open")))
    doc = page.css("#document .pq-doc")
    assert page.driver.execute_script("return getComputedStyle(arguments[0]).position", doc.find_element(
        "css selector", "h3")) == "sticky"
    nodes = "#document details.pq-node"
    page.click("#document [data-tree-open='0']")  # 全部折叠
    page.wait(lambda d: not any(e.get_attribute("open") for e in page.all(nodes)))
    page.click("#document [data-tree-open='1']")  # 全部展开
    page.wait(lambda d: all(e.get_attribute("open") for e in page.all(nodes)))
    # a 目录 line opens its chapter, even folded, and the keyboard lands on it
    page.click("#document [data-tree-open='0']")
    link = next(a for a in page.all("#document .pq-toc-link") if "第三章" in a.text)
    target = link.get_attribute("data-toc")
    link.click()
    page.wait(lambda d: d.find_element("id", target).get_attribute("open")
              and d.switch_to.active_element.get_attribute("id") == target)
    assert "个人信息跨境提供" in page.driver.find_element("id", target).text
