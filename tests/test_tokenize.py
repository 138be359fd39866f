from retrieval.normalise import normalise_query
from index.tokenize import JiebaTokenizer


def test_domain_terms_survive_segmentation():
    tok = JiebaTokenizer()
    tokens = tok("关键信息基础设施运营者向境外提供个人信息应当通过数据出境安全评估")
    for term in ("关键信息基础设施运营者", "数据出境安全评估", "个人信息"):
        assert term in tokens


def test_stopwords_and_punctuation_dropped_and_width_folded():
    tok = JiebaTokenizer()
    tokens = tok("请问，ＡＰＰ的个人信息怎么处理？")
    assert "，" not in tokens and "的" not in tokens and "怎么" not in tokens
    assert "app" in tokens


def test_query_normalisation():
    assert normalise_query("个保法第13条") == "个人信息保护法第十三条"
    assert normalise_query("数安法第21条") == "数据安全法第二十一条"
    assert normalise_query("网安法 第１０５条") == "网络安全法 第一百零五条"


def test_thesaurus_maps_everyday_words_to_legal_ones():
    from retrieval.normalise import expand_query, load_synonyms

    syn = load_synonyms()
    assert len(syn) > 30
    expanded = expand_query("我们要把客户数据传到国外总部", syn)
    assert "向境外提供" in expanded and expanded.startswith("我们要把客户数据传到国外总部")
    assert expand_query("数据处理者应当履行义务", syn) == "数据处理者应当履行义务"


def test_tokenizers_of_the_same_words_share_one_jieba_dictionary_and_others_keep_theirs():
    a, b, c = JiebaTokenizer(), JiebaTokenizer(), JiebaTokenizer(extra_words=("跨境数据走廊",))
    assert a("数据出境") == b("数据出境")
    assert a._jieba is b._jieba and c._jieba is None
    assert "跨境数据走廊" in c("跨境数据走廊建设") and "跨境数据走廊" not in a("跨境数据走廊建设")
    assert c._jieba is not a._jieba
