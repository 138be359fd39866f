"""Documents found in the real bundled corpus: count, titles, and no text lost."""

from ingest.text import compact

EXPECTED_TITLES = {
    "000_a6358ce5c5e8d387.txt": [
        "中共中央 国务院关于构建数据基础制度更好发挥数据要素作用的意见",
        "中华人民共和国数据安全法",
        "中华人民共和国个人信息保护法",
        "中华人民共和国网络安全法",
        "数据出境安全评估办法",
        "促进和规范数据跨境流动规定",
        "重庆市人民政府办公厅关于印发《重庆市数据要素市场化配置改革行动方案》的通知",
        "辽宁省人民政府办公厅关于印发数字辽宁发展规划（2.0版）的通知",
        "中共河南省委 河南省人民政府关于构建更加完善的要素市场化配置体制机制的实施意见",
    ],
    "001_54f6155d961a7a5f.txt": [
        "财政部关于加强数据资产管理的指导意见",
        "厦门市公共数据开发利用管理暂行办法",
        "厦门市公共数据共享开放管理暂行办法",
    ],
    "002_f6f4bbff8e8383ec.txt": [
        "国家发展改革委等部门关于深入实施“东数西算”工程加快构建全国一体化算力网的实施意见",
        "广州市关于进一步深化数字政府建设的实施方案",
    ],
    "003_049597913d3834f9.txt": [
        "中共中央办公厅 国务院办公厅关于加快公共数据资源开发利用的意见",
        "国务院关于加强数字政府建设的指导意见",
    ],
    "004_d66ac3098c3f681d.txt": [
        "自动驾驶汽车运输安全服务指南（试行）",
        "深圳市卫生健康数据管理办法",
    ],
}


def test_every_file_splits_into_its_documents(corpus_docs):
    counts = {name: len(docs) for name, (_, docs) in corpus_docs.items()}
    assert counts["000_a6358ce5c5e8d387.txt"] >= 95
    for name in ("001_54f6155d961a7a5f.txt", "002_f6f4bbff8e8383ec.txt", "004_d66ac3098c3f681d.txt"):
        assert counts[name] >= 8, name
    assert counts["003_049597913d3834f9.txt"] >= 4


def test_expected_titles_are_found(corpus_docs):
    for name, titles in EXPECTED_TITLES.items():
        found = {d.title for d in corpus_docs[name][1]}
        missing = [t for t in titles if t not in found]
        assert not missing, f"{name}: {missing}"


def test_documents_are_ordered_disjoint_spans_of_their_source(corpus_docs):
    for name, (source, docs) in corpus_docs.items():
        prev_end = 0
        for d in docs:
            assert d.source == name
            assert prev_end <= d.start < d.end <= len(source.text)
            assert d.title and "\n" not in d.title
            prev_end = d.end


def test_marked_collection_loses_no_text(corpus_docs):
    source, docs = corpus_docs["000_a6358ce5c5e8d387.txt"]
    covered = "".join(source.text[d.start:d.end] for d in docs)
    # only the 第N条政策 marker lines and blank lines fall outside documents
    assert len(compact(covered)) >= len(compact(source.text)) - 8 * len(docs)
