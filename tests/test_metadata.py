"""Document metadata (ingest.metadata): a hand-checked table over the bundled corpus, corpus-wide
sanity checks, and one small synthetic text per rule."""

from __future__ import annotations

import datetime as dt
import doctest
from typing import Any

import pytest

from ingest import metadata
from ingest.metadata import (
    DOC_NUMBER_RE,
    DOC_TYPES,
    extract_metadata,
    find_precedence,
    normalize_doc_number,
    parse_date,
    split_bodies,
)
from ingest.types import Document, SourceText

from .conftest import CORPUS

AS_OF = dt.date(2025, 6, 30)  # the table's statuses are judged on this day


@pytest.fixture(scope="module")
def corpus_meta() -> dict[tuple[str, str], dict[str, Any]]:
    """(file prefix, title) → metadata of every canonical document of the bundled corpus."""
    from ingest.pipeline import ingest_paths

    result = ingest_paths([CORPUS])
    sources = {s.path: s for s in result.sources}
    titles = [d.title for d in result.documents]
    precedence = find_precedence(result.documents, sources)
    out = {}
    for d in result.documents:
        out[(d.source[:3], d.title)] = extract_metadata(d, sources[d.source], titles, precedence, as_of=AS_OF)
    return out


def _find(corpus_meta: dict[tuple[str, str], dict[str, Any]], file: str, title: str) -> dict[str, Any]:
    hits = [m for (f, t), m in corpus_meta.items() if f == file and t.startswith(title)]
    assert len(hits) == 1, f"{file} {title}: {len(hits)} documents"
    return hits[0]


# Checked by reading each document's first and last lines in corpus/*.txt.
# (file, title prefix, issuers, doc_number, published, effective, doc_type, region, status)
TABLE = [
    ("000", "数据出境安全评估办法", ["国家互联网信息办公室"], "国家互联网信息办公室令第11号", "2022-07-07",
     "2022-09-01", "部门规章", "national", "in_force"),
    ("000", "促进和规范数据跨境流动规定", ["国家互联网信息办公室"], "国家互联网信息办公室令第16号", "2024-03-22",
     "on_publication", "部门规章", "national", "in_force"),
    ("000", "中华人民共和国个人信息保护法", ["全国人民代表大会常务委员会"], "中华人民共和国主席令第九十一号",
     "2021-08-20", "2021-11-01", "法律", "national", "in_force"),
    # this copy has no 主席令 and no adoption note: when it was published is not in the text, and who passed
    # it is inferred from its kind (issuer_basis "inferred": a national law's Standing Committee)
    ("000", "中华人民共和国数据安全法", ["全国人民代表大会常务委员会"], None, None, "2021-09-01", "法律", "national",
     "in_force"),
    ("000", "中华人民共和国网络安全法", ["全国人民代表大会常务委员会"], None, None, "2017-06-01", "法律", "national",
     "in_force"),
    ("000", "国家互联网信息办公室关于《网络数据安全管理条例（征求意见稿）》", ["国家互联网信息办公室"], None,
     "2021-11-14", None, "征求意见稿", "national", "draft"),
    ("000", "中共中央 国务院关于构建数据基础制度", ["中共中央", "国务院"], None, "2022-12-02", None, "规范性文件",
     "national", "in_force"),
    ("000", "关于印发《科技伦理审查办法（试行）》的通知",
     ["科技部", "教育部", "工业和信息化部", "农业农村部", "国家卫生健康委", "中国科学院", "中国社科院", "中国工程院",
      "中国科协", "中央军委科技委"], "国科发监〔2023〕167号", "2023-09-07", "2023-12-01", "规范性文件", "national",
     "in_force"),
    ("000", "粤港澳大湾区（内地、香港）个人信息跨境流动标准合同实施指引",
     ["国家互联网信息办公室", "香港特区政府创新科技及工业局"], "国家互联网信息办公室香港创新科技及工业局公告2023年3号",
     "2023-12-10", "on_publication", "规范性文件", "粤港澳大湾区", "in_force"),
    ("000", "国务院关于印发《中国（新疆）自由贸易试验区总体方案》的通知", ["国务院"], "国发〔2023〕17号",
     "2023-10-21", None, "规范性文件", "新疆", "in_force"),
    ("000", "中共甘肃省委甘肃省人民政府关于促进数据要素市场发展的实施意见", ["中共甘肃省委", "甘肃省人民政府"], None,
     "2023-03-02", None, "规范性文件", "甘肃省", "in_force"),
    ("000", "青海省人民政府办公厅关于印发青海省加快融入", ["青海省人民政府办公厅"], "青政办〔2022〕76号",
     "2022-09-09", "2022-10-08", "规范性文件", "青海省", "in_force"),
    ("000", "自治区人民政府办公厅关于印发宁夏回族自治区", ["宁夏回族自治区人民政府办公厅"], "宁政办发〔2021〕69号",
     "2021-09-29", None, "规范性文件", "宁夏", "in_force"),
    ("000", "黑龙江省人民政府关于印发推动“数字龙江”", ["黑龙江省人民政府"], None, "2021-10-20", "on_publication",
     "规范性文件", "黑龙江省", "in_force"),
    ("000", "江苏印发《关于推进数据基础制度建设", ["中共江苏省委", "江苏省人民政府"], None, "2023-12-01", None,
     "规范性文件", "江苏省", "in_force"),
    ("000", "湖南省“十四五”信息化发展规划", ["中共湖南省委网信办", "湖南省发展和改革委员会"], "湘网办发〔2021〕16号",
     "2021-09-06", None, "规范性文件", "湖南省", "in_force"),
    ("000", "上海市人民政府办公厅关于印发《立足数字经济新赛道", ["上海市人民政府办公厅"], "沪府办发〔2023〕14号",
     "2023-07-22", None, "规范性文件", "上海市", "in_force"),
    ("000", "中共中央 国务院印发《数字中国建设整体布局规划》", [], None, None, None, "新闻", "national", "unknown"),
    ("000", "构建数据基础制度更好发挥数据要素作用——国家发展改革委负责同志答记者问", [], None, None, None, "解读", None,
     "unknown"),
    ("001", "财政部关于加强数据资产管理的指导意见", ["财政部"], "财资〔2023〕141号", None, None, "规范性文件",
     "national", "in_force"),
    ("001", "应急管理部 工业和信息化部关于加快应急机器人发展的指导意见", ["应急管理部", "工业和信息化部"],
     "应急〔2023〕148号", None, None, "规范性文件", "national", "in_force"),
    ("001", "上海市促进在线新经济健康发展的若干政策措施", [], "沪府办规〔2023〕27号", None, "2024-01-01", "规范性文件",
     "上海市", "in_force"),
    ("001", "厦门市公共数据开发利用管理暂行办法", [], None, None, "2023-12-28", "规范性文件", "厦门市", "in_force"),
    ("001", "全球数字经济白皮书（2023 年）", [], None, None, None, "白皮书", None, "unknown"),
    ("002", "国家发展改革委等部门关于深入实施“东数西算”工程", [], None, None, None, "新闻", "national", "unknown"),
    ("002", "山东省人民政府关于加快实施“十大工程”", ["山东省人民政府"], "鲁政发〔2023〕11号", None, None,
     "规范性文件", "山东省", "in_force"),
    ("002", "广州市关于进一步深化数字政府建设的实施方案", [], "穗府〔2023〕13号", None, None, "规范性文件", "广州市",
     "in_force"),
    ("002", "全球数字治理白皮书（2023年）", [], None, "2023-12-27", None, "白皮书", None, "unknown"),
    ("003", "中共中央办公厅 国务院办公厅关于加快公共数据资源开发利用的意见", ["中共中央办公厅", "国务院办公厅"], None,
     None, None, "规范性文件", "national", "in_force"),
    ("003", "国务院关于加强数字政府建设的指导意见", ["国务院"], None, None, None, "规范性文件", "national", "in_force"),
    ("004", "江西省数据应用条例", ["江西省人民代表大会常务委员会"], None, None, "2024-03-01", "地方性法规", "江西省",
     "in_force"),
    ("004", "深圳市卫生健康数据管理办法", [], "深卫健规〔2023〕3号", None, "2024-01-01", "规范性文件", "深圳市",
     "in_force"),
    ("004", "北京市企业数据知识产权工作指引（试行）", [], None, None, "on_publication", "规范性文件", "北京市",
     "in_force"),
    ("004", "区块链白皮书（2023年）", [], None, "2023-12-07", None, "白皮书", None, "unknown"),
]


@pytest.mark.parametrize("row", TABLE, ids=[f"{r[0]}-{r[1][:12]}" for r in TABLE])
def test_hand_checked_table(corpus_meta, row):
    file, title, issuers, doc_number, published, effective, doc_type, region, status = row
    m = _find(corpus_meta, file, title)
    got = (m["issuers"], m["doc_number"], m["published"], m["effective"], m["doc_type"], m["region"], m["status"])
    assert got == (issuers, doc_number, published, effective, doc_type, region, status)


def test_table_spans_every_file():
    assert {r[0] for r in TABLE} == {"000", "001", "002", "003", "004"} and len(TABLE) >= 15


def test_cross_border_rules_prevail_over_the_assessment_measures(corpus_meta):
    old = _find(corpus_meta, "000", "数据出境安全评估办法")
    new = _find(corpus_meta, "000", "促进和规范数据跨境流动规定")
    assert old["status"] == "in_force" and old["superseded_in_part_by"] == ["促进和规范数据跨境流动规定"]
    assert new["superseded_in_part_by"] == [] and new["effective_date"] == "2024-03-22"


def test_extra_fields_from_the_corpus(corpus_meta):
    assessment = _find(corpus_meta, "000", "数据出境安全评估办法")
    assert assessment["adopted"] == "2022-05-19" and assessment["authority_level"] == "部门规章"
    assert assessment["valid_until"] is None  # "评估结果有效期为2年" is about the assessment, not the measures
    assert _find(corpus_meta, "004", "江西省数据应用条例")["adopted"] == "2023-11-30"
    xiamen = _find(corpus_meta, "001", "厦门市公共数据开发利用管理暂行办法")
    assert xiamen["valid_until"] == "2025-12-27"
    heilongjiang = _find(corpus_meta, "000", "黑龙江省人民政府关于印发推动“数字龙江”")
    assert heilongjiang["effective_date"] == "2021-10-20" and heilongjiang["valid_until"] == "2025-10-19"
    assert _find(corpus_meta, "000", "湖南省“十四五”")["authority_level"] == "规范性文件"
    assert _find(corpus_meta, "000", "中共中央 国务院印发《数字中国")["authority_level"] == "unknown"


def test_whole_corpus_is_sane(corpus_meta):
    assert len(corpus_meta) > 100
    for (file, title), m in corpus_meta.items():
        where = f"{file} {title}"
        if m["published"]:
            assert "1990-01" <= m["published"] <= "2025-12-31", where
        if m["doc_number"]:
            assert DOC_NUMBER_RE.fullmatch(m["doc_number"]), where
        assert m["doc_type"] in DOC_TYPES and m["authority_level"] in DOC_TYPES, where
        assert m["status"] in ("in_force", "draft", "superseded", "expired", "unknown"), where
        assert m["effective"] in (None, "on_publication") or len(m["effective"]) == 10, where
        assert all(isinstance(b, str) and 2 <= len(b) <= 30 for b in m["issuers"]), where
        if m["doc_type"] in ("新闻", "解读", "报告", "白皮书", "unknown"):
            assert m["status"] == "unknown" and m["doc_number"] is None and m["effective"] is None, where


def test_coverage_over_the_corpus(corpus_meta):
    metas = list(corpus_meta.values())
    count = {k: sum(1 for m in metas if m[k] not in (None, [], "unknown")) for k in metas[0]}
    # floors a little under what the rules reach today, so a regression shows
    assert count["issuers"] >= 40 and count["doc_number"] >= 25 and count["published"] >= 40
    assert count["effective"] >= 15 and count["doc_type"] >= 95 and count["region"] >= 65


# ---------------------------------------------------------------- synthetic texts, one rule each

def _meta(text: str, title: str | None = None, kind: str = "policy", **kw: Any) -> dict[str, Any]:
    src = SourceText("t.txt", text, "utf-8")
    first = next(line for line in text.split("\n") if line.strip()).strip()
    doc = Document("d", title or first, "t.txt", 0, len(text), 1, text.count("\n") + 1, kind)
    return extract_metadata(doc, src, **kw)


@pytest.mark.parametrize("text,iso", [
    ("2023年12月8日", "2023-12-08"),
    ("（2022年12月2日）", "2022-12-02"),
    ("二〇二三年十二月八日", "2023-12-08"),
    ("（二〇二三年三月二日）", "2023-03-02"),
    ("2023年 4 月 16 日", "2023-04-16"),
    ("２０１０年５月１４日", "2010-05-14"),
    ("2020 年 11 月", "2020-11"),
    ("发布时间： 2021-09-06", "2021-09-06"),
    ("2023年2月30日", None),
    ("12月19日", None),
])
def test_parse_date(text, iso):
    assert parse_date(text) == iso


@pytest.mark.parametrize("line,number", [
    ("财资〔2023〕141号", "财资〔2023〕141号"),
    ("沪府办规〔2023〕27 号", "沪府办规〔2023〕27号"),
    ("桂政办发[2023]51号", "桂政办发〔2023〕51号"),
    ("（桂政办发［2023］51号）", "桂政办发〔2023〕51号"),
    ("国家互联网信息办公室令 第11号", "国家互联网信息办公室令第11号"),
    ("中华人民共和国主席令第九十一号", "中华人民共和国主席令第九十一号"),
    ("按照《国务院关于加强数字政府建设的指导意见》(国发〔2022〕14号)等文件精神", None),
    ("2023年第26次室务会议", None),
])
def test_doc_number_lines(line, number):
    assert normalize_doc_number(line) == number


def test_doc_number_only_on_its_own_line():
    cited = "某市人民政府关于印发某某方案的通知\n按照《国务院关于加强数字政府建设的指导意见》（国发〔2022〕14号）要求，制定本方案。\n"
    assert _meta(cited)["doc_number"] is None
    own = "某市人民政府关于印发某某方案的通知\n某府办〔2023〕5号\n各区人民政府：\n"
    assert _meta(own)["doc_number"] == "某府办〔2023〕5号"


def test_ling_split_over_two_lines_makes_a_departmental_rule():
    text = ("网络数据管理办法\n国家互联网信息办公室令\n第20号\n《网络数据管理办法》已经国家互联网信息办公室室务会议审议通过，"
            "现予公布，自公布之日起施行。\n国家互联网信息办公室主任 张三\n2024年5月6日\n第一条 为了规范，制定本办法。\n")
    m = _meta(text, kind="statute")
    assert m["doc_number"] == "国家互联网信息办公室令第20号" and m["doc_type"] == "部门规章"
    assert m["issuers"] == ["国家互联网信息办公室"] and m["published"] == "2024-05-06"
    assert m["effective"] == "on_publication" and m["effective_date"] == "2024-05-06"


def test_on_publication_without_a_known_date():
    text = "某省数据交易规则（试行）\n第一条 为了规范交易，制定本规则。\n第二十条 本规则自印发之日起施行。\n"
    m = _meta(text, kind="statute")
    assert m["effective"] == "on_publication" and m["effective_date"] is None and m["published"] is None


def test_effective_date_and_validity():
    text = ("某市人民政府关于印发某某办法的通知\n某府规〔2024〕1号\n第一条 为了规范，制定本办法。\n"
            "第三十条 本办法自2024年1月1日起施行，有效期五年。\n")
    m = _meta(text, as_of=dt.date(2025, 1, 1))
    assert m["effective"] == "2024-01-01" and m["valid_until"] == "2028-12-31" and m["status"] == "in_force"
    assert _meta(text, as_of=dt.date(2029, 1, 1))["status"] == "expired"
    other = text.replace("有效期五年", "评估结果有效期为2年")
    assert _meta(other)["valid_until"] is None


def test_a_local_measure_is_not_the_documents_effective_date():
    text = "某市人民政府关于印发某某方案的通知\n本市自2024年1月1日起实施居住证积分制度。\n"
    assert _meta(text)["effective"] is None


def test_draft_title():
    text = ("国家某某局关于《数据管理条例（征求意见稿）》公开征求意见的通知\n现将征求意见稿全文公布，征求社会各界意见。\n"
            "国家某某局\n2021年11月14日\n第七十五条 本条例自 年 月 日起施行。\n")
    m = _meta(text)
    assert m["doc_type"] == "征求意见稿" and m["status"] == "draft" and m["authority_level"] == "unknown"
    assert m["effective"] is None and m["effective_date"] is None and m["published"] == "2021-11-14"


def test_news_item_with_no_metadata():
    text = ("某地加快推进数字经济发展\n近日，记者从有关部门获悉，当地将加快推进数字经济发展。\n"
            "有关负责人表示，下一步将继续推动数据要素市场建设。（记者 张三）\n")
    m = _meta(text)
    assert m["doc_type"] == "新闻" and m["status"] == "unknown" and m["authority_level"] == "unknown"
    assert m["issuers"] == [] and m["doc_number"] is None and m["published"] is None
    assert m["effective"] is None and m["region"] is None


def test_plain_text_with_no_signal_is_unknown():
    m = _meta("一些说明\n这是一段没有任何元数据的文字。\n")
    assert (m["doc_type"], m["status"], m["region"], m["issuers"], m["published"]) == (
        "unknown", "unknown", None, [], None)


def test_xinhua_dateline_needs_a_year():
    no_year = "某某会议召开\n新华社北京6月22日电 会议审议通过了有关文件。\n"
    assert _meta(no_year)["published"] is None
    with_year = "某某意见发布\n新华社北京12月19日电 2022年12月19日，有关文件对外发布。\n"
    assert _meta(with_year)["published"] == "2022-12-19"


def test_release_sentence_dates_a_white_paper_only_when_it_names_it():
    text = "区块链白皮书（2023年）\n2023年12月7日，某研究院发布了《区块链白皮书（2023年）》。\n"
    assert _meta(text)["published"] == "2023-12-07" and _meta(text)["doc_type"] == "白皮书"
    review = "某国《数据战略》评述\n2019年12月23日，某国发布《数据战略》。\n"
    assert _meta(review)["published"] is None


def test_signature_block_lists_every_body():
    text = ("十七部门关于印发《某某行动计划》的通知\n国数政策〔2023〕11号\n各有关单位：\n现将《某某行动计划》印发给你们。\n"
            "国家数据局\n中央网信办\n科　技　部　　教　育　部\n工业和信息化部\n2023年12月31日\n")
    m = _meta(text)
    assert m["issuers"] == ["国家数据局", "中央网信办", "科技部", "教育部", "工业和信息化部"]
    assert m["published"] == "2023-12-31" and m["region"] == "national"


def test_bare_body_in_title_resolved_from_signature():
    text = ("省人民政府印发某省关于加强数字政府建设实施方案的通知\n黔府发〔2023〕21号\n各市人民政府：\n"
            "现将《某省关于加强数字政府建设实施方案》印发给你们。\n贵州省人民政府\n2023年12月27日\n")
    m = _meta(text)
    assert m["issuers"] == ["贵州省人民政府"] and m["region"] == "贵州省"


def test_title_issuers_run_together():
    assert split_bodies("中共甘肃省委甘肃省人民政府") == ["中共甘肃省委", "甘肃省人民政府"]
    assert split_bodies("应急管理部 工业和信息化部") == ["应急管理部", "工业和信息化部"]
    assert split_bodies("中共中央办公厅国务院办公厅") == ["中共中央办公厅", "国务院办公厅"]
    assert split_bodies("数据基础制度建设事关国家发展") is None


def test_local_regulation_adopted_by_provincial_congress():
    text = ("某某省数据条例\n（2023年11月30日江西省第十四届人民代表大会常务委员会第五次会议通过）\n"
            "第一条 为了规范数据处理活动，制定本条例。\n第五十二条 本条例自2024年3月1日起施行。\n")
    m = _meta(text, kind="statute")
    assert m["doc_type"] == "地方性法规" and m["issuers"] == ["江西省人民代表大会常务委员会"]
    assert m["adopted"] == "2023-11-30" and m["published"] is None and m["effective"] == "2024-03-01"


def test_state_council_order_is_an_administrative_regulation():
    text = ("网络数据安全管理条例\n中华人民共和国国务院令\n第790号\n《网络数据安全管理条例》已经2024年8月30日国务院第40次"
            "常务会议通过，现予公布，自2025年1月1日起施行。\n总理 李强\n2024年9月24日\n第一条 为了规范，制定本条例。\n")
    m = _meta(text, kind="statute")
    assert m["doc_type"] == "行政法规" and m["doc_number"] == "中华人民共和国国务院令第790号"
    assert m["published"] == "2024-09-24" and m["effective"] == "2025-01-01" and m["adopted"] == "2024-08-30"


@pytest.mark.parametrize("title,region", [
    ("美国《联邦数据战略》评述", "international"),
    ("国务院关于印发《中国（新疆）自由贸易试验区总体方案》的通知", "新疆"),
    ("深圳市算力基础设施高质量发展行动计划", "深圳市"),
    ("关于更好发挥数据要素作用推动广州高质量发展的实施意见", "广州市"),
    ("数据要素地方政策高频落地，杭州、深圳先行先试", None),
    ("两会观察 | 数据跨境首次写入报告 记者张三 广州报道", None),
])
def test_region_from_title(title, region):
    assert _meta(f"{title}\n正文。\n", title=title)["region"] == region


def test_precedence_and_repeal_are_read_from_the_corpus():
    old = "某某评估办法\n第一条 为了规范，制定本办法。\n"
    new = "某某流动规定\n第十三条 《某某评估办法》等相关规定与本规定不一致的，适用本规定。\n第十四条 本规定自公布之日起施行。\n"
    draft = "某某条例（征求意见稿）\n《某某流动规定》与本条例不一致的，适用本条例。\n"
    text = old + new + draft
    src = SourceText("c.txt", text, "utf-8")
    a, b = len(old), len(old) + len(new)
    docs = [Document("a", "某某评估办法", "c.txt", 0, a, 1, 2, "statute"),
            Document("b", "某某流动规定", "c.txt", a, b, 3, 5, "statute"),
            Document("c", "某某条例（征求意见稿）", "c.txt", b, len(text), 6, 7, "statute")]
    prec = find_precedence(docs, [src])
    assert prec == {"某某评估办法": ["某某流动规定"]}  # the draft prevails over nothing
    m = extract_metadata(docs[0], src, [d.title for d in docs], prec)
    assert m["status"] == "in_force" and m["superseded_in_part_by"] == ["某某流动规定"]
    repealing = "新办法\n本办法自2024年1月1日起施行，《某某评估办法》同时废止。\n"
    repealed = metadata.find_repeals(
        docs[:1] + [Document("r", "新办法", "r.txt", 0, len(repealing), 1, 2, "statute")],
        [src, SourceText("r.txt", repealing, "utf-8")])
    assert repealed == {"某某评估办法": ["新办法"]}
    m2 = extract_metadata(docs[0], src, (), repeals=repealed)
    assert m2["status"] == "superseded" and m2["superseded_by"] == ["新办法"]


def test_docstring_examples():
    import importlib
    import pkgutil

    modules = [metadata, *(importlib.import_module(f"{metadata.__name__}.{m.name}")
                           for m in pkgutil.iter_modules(metadata.__path__))]
    attempted = 0
    for module in modules:
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, module.__name__
        attempted += result.attempted
    assert attempted > 0


def test_typed_metadata_reads_the_stored_dict(corpus_ingest):
    """Document.meta holds every key of the stored metadata, typed; the stored dict is unchanged."""
    from dataclasses import replace

    from ingest.metadata import DocumentMetadata

    for d in corpus_ingest.documents:
        stored = dict(d.metadata)
        assert d.meta.to_dict() == d.metadata == stored
        assert isinstance(d.meta.issuers, tuple) and d.meta is d.meta
    doc = corpus_ingest.documents[0]
    changed = replace(doc, metadata={**doc.metadata, "status": "expired"})
    assert changed.meta.status == "expired" and doc.meta.status == doc.metadata["status"]
    assert DocumentMetadata.from_dict(None) == DocumentMetadata()


# -- what a memo cites: issuers, titles and quotes read right at the source (issue 16) -----------------
def test_a_law_whose_text_names_no_adopting_body_gets_its_standing_committee_marked_inferred(corpus_ingest):
    docs = {d.title: d for d in corpus_ingest.documents}
    cyber = docs["中华人民共和国网络安全法"].meta  # the bundled text starts at its 目录: no adoption line
    assert cyber.issuers == ("全国人民代表大会常务委员会",) and cyber.issuer_basis == "inferred"
    assert cyber.issuer_line == "全国人民代表大会常务委员会（推定）"
    pipl = docs["中华人民共和国个人信息保护法"].meta  # its adoption line names the body: not inferred
    assert pipl.issuers == ("全国人民代表大会常务委员会",) and pipl.issuer_basis is None
    assert pipl.issuer_line == "全国人民代表大会常务委员会"
    # only a national law is so inferred: a document of any other kind without issuers keeps none
    assert all(d.meta.issuer_basis is None for d in corpus_ingest.documents if d.meta.doc_type != "法律")


def test_no_clause_label_doubles_its_book_marks_and_no_chunk_carries_bold_markers(corpus_ingest):
    headlines = [d for d in corpus_ingest.documents if d.title.startswith("《")]
    assert headlines  # news items titled by a headline that names a rule
    for d in corpus_ingest.documents:
        assert all(not c.label.startswith("《《") for c in d.clauses), d.title
    assert all("《〈" in c.label for d in headlines for c in d.clauses)
    assert not [c.id for c in corpus_ingest.chunks if "**" in c.text]
    src = {s.path: s for s in corpus_ingest.sources}
    assert all(c.text == src[c.source].text[c.start:c.end] for c in corpus_ingest.chunks[::50])


def test_the_metadata_table_shows_no_empty_number_and_marks_an_inferred_issuer(corpus_ingest):
    from ui.render import render_metadata

    docs = {d.title: d for d in corpus_ingest.documents}
    html = render_metadata(docs["中华人民共和国网络安全法"])
    assert "文号" not in html and "全国人民代表大会常务委员会（推定）" in html
    assert "<dt>文号</dt><dd>中华人民共和国主席令第九十一号</dd>" in render_metadata(docs["中华人民共和国个人信息保护法"])
