"""版本对照 in headless Chromium: an index holding the 2016 网络安全法 (from the bundled corpus) and its
2025 amended text (tests/data) shows, on the older text, the two versions side by side."""

from __future__ import annotations

import pytest

from .support import served
from .test_workspace import Page



@pytest.fixture(scope="module")
def pair_web(tmp_path_factory):
    from qa import PolicyQA, Settings
    from tests.conftest import CORPUS, DATA
    from ingest.pipeline import ingest_paths

    folder = tmp_path_factory.mktemp("pair") / "corpus"
    folder.mkdir()
    result = ingest_paths([CORPUS], budget=None)
    law = next(d for d in result.documents if d.title == "中华人民共和国网络安全法")
    text = {s.path: s for s in result.sources}[law.source].text[law.start:law.end]
    (folder / "网络安全法-2016.txt").write_text(text, encoding="utf-8")
    (folder / "网络安全法-2025修正.txt").write_text((DATA / "网络安全法-2025修正.txt").read_text("utf-8"), encoding="utf-8")
    base = tmp_path_factory.mktemp("pair-index")
    engine = PolicyQA.build([folder], settings=Settings().override(index_dir=base / "index",
                                                                   cache_dir=base / "cache", progress=False))
    with served(engine) as (url, _app):
        yield url, engine


def _opened_block(page: Page, search: str, title: str, block: str):
    """文件库 searched for ``search`` (one row left), its document opened (titled ``title``), and its
    collapsed ``block`` opened: the block."""
    from selenium.webdriver.common.keys import Keys

    page.open()
    page.tab("corpus")
    page.css("#corpus-search textarea, #corpus-search input").send_keys(search, Keys.ENTER)
    page.wait(lambda d: len(page.rows()) == 1)
    page.click("#corpus-table [data-testid='cell-0-0']")
    page.text_in("#document .pq-doc[data-doc-id] h3", title)
    found = page.visible(f"#document {block}")
    found.find_element("css selector", "summary").click()
    page.wait(lambda d: found.get_attribute("open"))
    return found


def test_the_older_text_shows_both_versions_article_by_article(driver, pair_web):
    url, engine = pair_web
    # the older text's file name leaves one row
    block = _opened_block(Page(driver, url), "2016", "中华人民共和国网络安全法", "details.pq-versions")
    assert "版本对照" in block.text and "2025-10-28" in block.text
    kinds = {r.get_attribute("data-kind") for r in block.find_elements("css selector", ".pq-version-row")}
    assert "新增" in kinds and "改写" in kinds
    new_row = next(r for r in block.find_elements("css selector", ".pq-version-row") if r.get_attribute("data-kind") == "新增")
    cells = new_row.find_elements("css selector", "td")
    assert cells[0].text == "（无）" and cells[1].text.startswith("第")


def test_a_rule_shows_the_rule_that_prevails_and_opens_its_article(driver, web):
    """《数据出境安全评估办法》 beside 《促进和规范数据跨境流动规定》 (its 第十三条 prevails where they
    differ): the pair of articles on the 申报 thresholds, and the newer one a click away."""
    url, engine = web
    docs = {d.title: d for d in engine.data.documents}
    newer = docs["促进和规范数据跨境流动规定"]
    art7 = next(c for c in newer.clauses if c.level == "条" and c.number == "第七条")
    page = Page(driver, url)
    block = _opened_block(page, "数据出境安全评估办法", "数据出境安全评估办法", "details.pq-prevailing")
    assert "新旧规定对照" in block.text and "第十三条" in block.text
    row = next(r for r in block.find_elements("css selector", ".pq-version-row")
               if r.find_elements("css selector", f"a[data-clause='{art7.id}']"))
    old_cell, new_cell = row.find_elements("css selector", "td")
    assert old_cell.text.startswith("第四条") and new_cell.text.startswith("第七条")
    new_cell.find_element("css selector", "a.pq-open-doc").click()
    page.wait(lambda d: page.css("#document .pq-doc[data-doc-id]").get_attribute("data-doc-id") == newer.id)
    focus = page.visible("#document .pq-focus")
    assert focus.text.lstrip().startswith("第七条")
