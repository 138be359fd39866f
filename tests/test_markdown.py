"""Markdown with front matter (a knowledge base's files, ../shared/corpus-large): the front matter
becomes metadata, a file is one document, foreign law carries its jurisdiction and language, and
a question about Chinese law is never answered from a foreign law it does not name."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from ingest.markdown import read_markdown, split_front_matter
from ingest.metadata.frontmatter import front_matter_title
from ingest.pipeline import link_documents, read_and_parse
from ingest.types import Document
from retrieval.filters import Filters
from retrieval.jurisdictions import Jurisdictions

from .conftest import ROOT

LARGE = ROOT.parent / "shared" / "corpus-large"

ZH = """---
法规名称: 《某市公共数据授权运营管理办法（征求意见稿）》
标准编号: 
文档分类: local_policy
效力层级: 征求意见稿/草案
地区: 上海市
是否征求意见稿: true
来源文件: /Users/someone/Downloads/a.pdf
文件SHA256: 3f499b74ab
---

# 《某市公共数据授权运营管理办法（征求意见稿）》

## 正文

第一条 为了规范公共数据授权运营，制定本办法。
第二条 本办法所称公共数据，是指党政机关在履行职责中收集和产生的数据。
第三条 本办法自2026年1月1日起施行。
"""

EN = """# Personal Data Protection Act 2012

Jurisdiction: Singapore
Region: SG
Citation: Personal Data Protection Act 2012
Authority: PDPC Singapore / Singapore Statutes Online
Source URL: https://sso.agc.gov.cn/Act/PDPA2012
Topics: consent, security_breach
Keywords: Singapore PDPA, PDPC, data breach notification

## Summary
Singapore's personal data framework with consent, purpose limitation, notification, access and correction,
accuracy, protection, retention limitation, transfer limitation, accountability and breach notification.
"""


def _parse(tmp_path: Path, **files: str) -> dict[str, Document]:
    paths = []
    for name, text in files.items():
        p = tmp_path / f"{name}.md"
        p.write_text(text, encoding="utf-8")
        paths.append((p, p.name))
    parsed, problems = read_and_parse(paths, budget=None)
    assert not problems
    sources = {s.path: s for s, _ in parsed}
    docs = [d for _, ds in parsed for d in ds]
    link_documents(docs, sources)
    return {d.source.removesuffix(".md"): d for d in docs}


def test_a_front_matter_block_is_metadata_and_not_text(tmp_path: Path) -> None:
    doc = _parse(tmp_path, zh=ZH)["zh"]
    meta = doc.meta
    assert doc.title == "某市公共数据授权运营管理办法（征求意见稿）"  # the marks around the whole title dropped
    assert (meta.doc_type, meta.status, meta.region, meta.jurisdiction, meta.language) == (
        "征求意见稿", "draft", "上海市", "CN", "zh")
    assert [c.number for c in doc.clauses if c.level == "条"] == ["第一条", "第二条", "第三条"]
    src = read_markdown(tmp_path / "zh.md")
    assert "来源文件" not in src.text and "SHA256" not in src.text and src.text.lstrip().startswith("# ")
    assert src.front_matter["来源文件"] == "/Users/someone/Downloads/a.pdf"


def test_foreign_law_header_lines_give_jurisdiction_language_and_issuers(tmp_path: Path) -> None:
    doc = _parse(tmp_path, en=EN)["en"]
    meta = doc.meta
    assert doc.title == "Personal Data Protection Act 2012"
    assert (meta.doc_type, meta.region, meta.jurisdiction, meta.jurisdiction_name, meta.language) == (
        "境外法规", "SG", "SG", "Singapore", "en")  # a foreign law's region is its jurisdiction
    assert meta.issuers == ("PDPC Singapore", "Singapore Statutes Online")
    assert meta.topics == ("consent", "security_breach") and "Singapore PDPA" in meta.keywords
    assert meta.source_url == "https://sso.agc.gov.cn/Act/PDPA2012"
    text = read_markdown(tmp_path / "en.md").text  # the key lines are metadata, not text
    assert "Jurisdiction" not in text and "Keywords" not in text and text.startswith("# Personal Data Protection Act")


@pytest.mark.parametrize("text", ["---\n就是一段正文，没有冒号\n---\n第一条 …", "第一条 为了…", "标题\n# 二级\n"])
def test_text_without_front_matter_is_read_as_it_is(text: str) -> None:
    assert split_front_matter(text) == ({}, text)


def test_a_file_that_opens_with_its_title_is_that_document() -> None:
    assert split_front_matter("# 标题\n\n第一条 为了…") == ({"title": "标题"}, "# 标题\n\n第一条 为了…")


@pytest.mark.skipif(not LARGE.is_dir(), reason="../shared/corpus-large is not beside the clone")
def test_every_file_of_the_knowledge_base_has_its_title_and_the_foreign_ones_their_folders_jurisdiction() -> None:
    files = sorted(p for p in LARGE.rglob("*.md") if p.name != "SOURCES.md")
    assert len(files) == 471
    regions = 0
    for p in files:
        src = read_markdown(p)
        assert front_matter_title(src.front_matter), p
        if p.parts[len(LARGE.parts)] == "foreign" and "Region" in src.front_matter:
            # an oracle the front matter did not write for us: the folder the file is filed in
            assert src.front_matter["Region"].upper() == p.parent.name.upper(), p
            regions += 1
    assert regions == 111  # the 5 full texts of foreign laws carry no front matter but their title


def _doc(i: str, title: str, jurisdiction: str | None, **meta: Any) -> Document:
    return Document(i, title, "s", 0, 1, 1, 1, "other", {"jurisdiction": jurisdiction, **meta})


def test_a_question_about_chinese_law_is_not_answered_from_foreign_law() -> None:
    docs = [_doc("gdpr", "General Data Protection Regulation (GDPR)", "EU"),
            _doc("pdpa", "Personal Data Protection Act 2012", "SG", keywords=["Singapore PDPA"]),
            _doc("ccpa", "California Consumer Privacy Act (CCPA)", "US-CA"),
            _doc("pipl", "中华人民共和国个人信息保护法", "CN"), _doc("upload", "an English upload", None)]
    places = Jurisdictions(docs)
    parse = places.named
    assert places.restrict(None, parse("个人信息出境要做哪些事"), "zh").exclude_ids == {"gdpr", "pdpa", "ccpa"}
    # named by name, by an acronym the corpus ties to it, or by the country a state belongs to
    assert places.restrict(None, parse("欧盟对数据泄露通知的时限"), "zh").exclude_ids == {"pdpa", "ccpa"}
    assert places.restrict(None, parse("PDPA 对通知时限怎么规定"), "zh").exclude_ids == {"gdpr", "ccpa"}
    assert places.restrict(None, parse("美国的消费者有哪些删除权"), "zh").exclude_ids == {"gdpr", "pdpa"}
    # an English question, or a filter that chooses jurisdictions, decides for itself
    assert places.restrict(None, parse("breach notification deadline"), "en") is None
    chosen = Filters(jurisdictions=frozenset({"EU"}))
    assert places.restrict(chosen, frozenset(), "zh") is chosen
    # a corpus without foreign law is not restricted at all
    assert Jurisdictions([docs[3], docs[4]]).restrict(None, frozenset(), "zh") is None


def test_a_foreign_court_or_company_names_the_place_not_its_law() -> None:
    # 法 in 法院, 法官, 法人 is no word for law: the place is a setting, its law is neither searched nor lifted
    places = Jurisdictions([_doc("ccpa", "California Consumer Privacy Act (CCPA)", "US-CA"),
                            _doc("pdpa", "Personal Data Protection Act 2012", "SG")])
    for question in ("美国的法院来函要我们交出客户资料", "新加坡的法官来函调取员工资料",
                     "美国法人股东要求查看用户数据"):
        named, law = places.read(question)
        assert named - {"CN"} and not law, question
    for question in ("美国的法律对删除权怎么规定", "新加坡个人数据保护法的通知时限", "加州法案里的删除权"):
        assert places.read(question)[1], question


@pytest.mark.skipif(not LARGE.is_dir(), reason="../shared/corpus-large is not beside the clone")
def test_an_acronym_the_chinese_documents_use_as_their_own_word_names_no_foreign_law(corpus_docs) -> None:
    # the bundled corpus (Chinese) beside corpus-large's Australian and EU laws, as real files: Australia's
    # Privacy Principles go by APP, which Chinese rules write for a mobile app, and the EU's GDPR, which
    # Chinese commentary writes beside 欧盟
    files = [(p, p.relative_to(LARGE).as_posix()) for folder in ("au", "eu") for p in sorted((LARGE / "foreign" / folder).glob("*.md"))]
    parsed, problems = read_and_parse(files, budget=None)
    assert not problems
    foreign = [d for _, ds in parsed for d in ds]
    link_documents(foreign, {s.path: s for s, _ in parsed})
    sources = {s.path: s for s, _ in parsed} | {path: src for path, (src, _) in corpus_docs.items()}
    docs = foreign + [d for _, ds in corpus_docs.values() for d in ds]

    def text_of(d: Document) -> str:
        return sources[d.source].text[d.start:d.end]

    by_title_only = Jurisdictions(docs)
    assert by_title_only.acronyms["APP"] == {"AU"} and "EU" in by_title_only.acronyms["GDPR"]
    places = Jurisdictions(docs, text_of)
    # an oracle counted here, not by the code under test: the Chinese documents that write APP, and those of them
    # that name Australia
    chinese = [text_of(d) for d in docs if d.meta.jurisdiction in (None, "CN")]
    app = [t for t in chinese if re.search(r"(?<![A-Za-z])APP(?![A-Za-z])", t)]
    assert len([t for t in app if "澳大利亚" not in t]) > len(app) / 2
    assert "APP" in places.home_words and "APP" not in places.acronyms
    assert "GDPR" not in places.home_words and "EU" in places.acronyms["GDPR"]
    assert places.read("APP收集个人信息要不要单独同意？") == (frozenset(), frozenset())
    assert "AU" in by_title_only.read("APP收集个人信息要不要单独同意？")[1]
    assert "EU" in places.read("GDPR对数据泄露通知的时限是多久？")[1]
    # Australia is still named by its name
    assert "AU" in places.read("澳大利亚的隐私法对数据泄露通知怎么规定？")[1]


def test_filters_on_language_and_jurisdiction() -> None:
    sg = _doc("pdpa", "PDPA", "SG", language="en")
    cn = _doc("pipl", "个人信息保护法", "CN", language="zh")
    assert [d.id for d in (sg, cn) if Filters(languages=frozenset({"en"})).allows(d)] == ["pdpa"]
    assert [d.id for d in (sg, cn) if Filters(jurisdictions=frozenset({"CN"})).allows(d)] == ["pipl"]


def test_the_region_filter_lists_jurisdictions_when_the_corpus_holds_foreign_law() -> None:
    from ui.forms import filter_choices, make_filters

    docs = [_doc("pdpa", "PDPA", "SG", region="SG"), _doc("pipl", "个人信息保护法", "CN", region="national"),
            _doc("sz", "深圳经济特区数据条例", "CN", region="深圳市")]
    labels = dict((v, k) for k, v in filter_choices(docs)["regions"])
    assert labels["SG"] == "境外：新加坡（1）" and labels["CN"] == "法域：中国（2）" and "深圳市" in labels
    assert "CN" not in dict((v, k) for k, v in filter_choices(docs[1:])["regions"])  # one jurisdiction: no choice
    f = make_filters(regions=["深圳市", "SG"])
    assert f.regions == {"深圳市"} and f.jurisdictions == {"SG"}


@pytest.mark.skipif(not LARGE.is_dir(), reason="../shared/corpus-large is not beside the clone")
def test_the_cross_lingual_set_is_well_formed_against_the_knowledge_base() -> None:
    """eval/crosslingual.jsonl: every evidence string is in the English files (whitespace aside, as the
    evaluator locates it in the text as read), every key fact inside its evidence."""
    import json
    import re

    rows = [json.loads(line) for line in (ROOT / "eval" / "crosslingual.jsonl").read_text("utf-8").splitlines()]
    assert len(rows) == 40 and len({r["id"] for r in rows}) == 40
    squash = lambda t: re.sub(r"\s+", "", t)  # noqa: E731
    texts = squash("".join(read_markdown(p).text for p in (LARGE / "foreign").rglob("*.md")))
    for r in rows:
        if r["type"] == "unanswerable":
            assert not r["evidence"] and not r["key_facts"], r["id"]
            continue
        assert r["evidence"] and all(squash(e) in texts for e in r["evidence"]), r["id"]
        assert all(any(squash(k) in squash(e) for e in r["evidence"]) for k in r["key_facts"]), r["id"]
