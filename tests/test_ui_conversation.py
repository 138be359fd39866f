"""Follow-up questions without an LLM (qa/conversation.py): which questions are follow-ups, how they
are rewritten, and that asking in context answers from the previous turn's documents."""

from __future__ import annotations

import pytest

from qa.conversation import (
    Rewrite,
    TitleIndex,
    Turn,
    ask_in_context,
    is_follow_up,
    rewrite,
    strip_question,
    subject_of,
    turn_after,
)

PIPL = "中华人民共和国个人信息保护法"
TITLES = TitleIndex([(PIPL, "pipl"), ("数据出境安全评估办法", "dea"), ("促进和规范数据跨境流动规定", "ccb"),
                     ("中华人民共和国数据安全法", "dsl"), ("网络数据安全管理条例", "ndr"), ("通知", "short")])
PREV = Turn("个人信息保护法关于处理个人信息的告知义务", "个人信息保护法关于处理个人信息的告知义务", (PIPL,), ("pipl",))


@pytest.mark.parametrize("question,expected", [
    ("那敏感个人信息呢？", True),
    ("如果是向境外提供呢", True),
    ("那么罚款多少？", True),
    ("罚款多少？", True),  # short
    ("要是对方是未成年人", True),
    ("数据安全法第二十一条是怎么规定的？", False),  # names a document
    ("个保法第13条", False),  # an alias names it too
    ("《某地方条例》里的告知义务呢？", False),  # any 《》 title names a document
    ("关键信息基础设施运营者向境外提供个人信息需要满足什么条件？", False),  # long, stands alone
    ("哪些情形要申报？", True),  # short
    ("那些情形需要申报数据出境安全评估？", False),  # 那些 is not the connective 那, and it is long
])
def test_which_questions_are_follow_ups(question, expected):
    assert is_follow_up(question, PREV, TITLES) is expected


def test_nothing_is_a_follow_up_without_a_previous_turn():
    assert not is_follow_up("那敏感个人信息呢？", None, TITLES)
    assert rewrite("那敏感个人信息呢？", None, TITLES) == Rewrite("那敏感个人信息呢？", topic="那敏感个人信息呢")


def test_the_issue_example_substitutes_the_new_term_into_the_subject():
    r = rewrite("那敏感个人信息呢？", PREV, TITLES)
    assert r == Rewrite(f"《{PIPL}》处理敏感个人信息的告知义务", follow_up=True, doc_ids=("pipl",), rule="substitute",
                        focus="敏感个人信息", topic="处理个人信息的告知义务")


def test_a_core_sharing_nothing_with_the_subject_is_appended():
    prev = Turn("q", "数据出境安全评估的申报情形有哪些？", ("数据出境安全评估办法",), ("dea",))
    r = rewrite("如果只有5万人呢？", prev, TITLES)
    assert r.question == "《数据出境安全评估办法》数据出境安全评估的申报情形有哪些，只有5万人"
    assert r.rule == "append" and r.doc_ids == ("dea",)


def test_a_chain_of_follow_ups_builds_on_the_rewritten_question():
    second = rewrite("那敏感个人信息呢？", PREV, TITLES)
    turn = Turn("那敏感个人信息呢？", second.question, (PIPL,), ("pipl",), second.focus)
    assert second.focus == "敏感个人信息"
    third = rewrite("那未成年人的个人信息呢？", turn, TITLES)
    assert third.question == f"《{PIPL}》处理未成年人的个人信息的告知义务"


def chain(first: str, *follow_ups: str, titles: TitleIndex = TITLES) -> list[str]:
    """The questions asked for ``first`` then each follow-up, every turn remembered as the page does
    (its documents: those the asked question names)."""
    asked = rewrite(first, None, titles)
    out = [asked.question]
    turn = None
    for q in (first, *follow_ups):
        asked = rewrite(q, turn, titles)
        named = titles.named(asked.question)
        turn = Turn(q, asked.question, tuple(t for _, t, _ in named), tuple(d for _, _, d in named), asked.focus,
                    asked.topic)
        if q is not first:
            out.append(asked.question)
    return out


def test_a_chain_of_three_follow_ups_carries_the_topic_and_never_piles_up():
    first = "个人信息保护法规定处理个人信息之前应当告知个人哪些事项？"
    asked = chain(first, "那敏感个人信息呢？", "那向境外提供呢？", "那未成年人的个人信息呢？")
    frame = "规定处理个人信息之前应当告知个人哪些事项"
    assert asked[1:] == [f"《{PIPL}》规定处理敏感个人信息之前应当告知个人哪些事项",
                         f"《{PIPL}》规定向境外提供个人信息之前应当告知个人哪些事项",  # the verb's slot, not glued on
                         f"《{PIPL}》规定处理未成年人的个人信息之前应当告知个人哪些事项"]
    for q in asked[1:]:  # each is the frame with one slot changed: nothing of the previous rewrite stays
        assert len(q) - len(f"《{PIPL}》") < len(frame) + 8
        assert "，" not in q and q.removeprefix(f"《{PIPL}》").count("信息") == 1


def test_a_chain_on_another_frame_substitutes_each_slot_into_the_same_frame():
    first = "数据出境安全评估办法规定的申报情形有哪些？"
    asked = chain(first, "那重要数据处理者的申报情形呢？", "如果是委托处理呢？", "那关键信息基础设施运营者的申报情形呢？")
    doc = "《数据出境安全评估办法》"
    assert asked[1] == f"{doc}规定重要数据处理者的申报情形有哪些"
    # a verb phrase with no verb slot in the frame is appended to the frame, not to the last rewrite
    assert asked[2] == f"{doc}规定的申报情形有哪些，委托处理"
    assert asked[3] == f"{doc}规定关键信息基础设施运营者的申报情形有哪些"
    assert all("重要数据处理者" not in q for q in asked[2:])


def test_a_new_standalone_question_starts_a_new_topic():
    asked = chain("个人信息保护法关于处理个人信息的告知义务", "那敏感个人信息呢？",
                  "数据出境安全评估办法规定的申报时限是多久？", "那向境外提供呢？")
    assert asked[2] == "数据出境安全评估办法规定的申报时限是多久？"
    assert "告知义务" not in asked[3] and asked[3].startswith("《数据出境安全评估办法》")


def test_core_and_subject():
    assert strip_question("那么，境外接收方呢？") == "境外接收方"
    assert strip_question("那些情形呢") == "那些情形"  # 那些 is not the connective 那
    assert strip_question("如果是向境外提供呢？") == "向境外提供"
    assert strip_question("那是否需要备案？") == "是否需要备案"
    assert subject_of("关于《数据出境安全评估办法》的申报时限？", TITLES) == "的申报时限"
    assert subject_of("个保法关于告知义务有什么规定？", TITLES) == "告知义务有什么规定"
    # the longest title named wins: 数据安全法 inside 网络数据安全管理条例 is not removed on its own
    assert subject_of("网络数据安全管理条例的适用范围", TITLES) == "的适用范围"


def test_short_titles_do_not_count_as_names():
    assert TITLES.named("请通知我") == []
    assert [t for _, t, _ in TITLES.named("网络数据安全管理条例第二条")] == ["网络数据安全管理条例"]


def test_the_remembered_turn_names_the_documents_asked_about_else_those_cited(slice_engine):
    titles = TitleIndex.from_documents(slice_engine.documents)
    asked = rewrite("数据出境安全评估的申报情形有哪些？", None, titles)
    answer = slice_engine.ask(asked.question)
    turn = turn_after(asked.question, asked, answer, titles)
    assert turn.doc_titles and turn.doc_titles[0] == answer.citations[0].doc_title
    assert turn.doc_ids[0] == answer.citations[0].doc_id
    named = rewrite("个人信息保护法第十三条", None, titles)
    t2 = turn_after(named.question, named, slice_engine.ask(named.question), titles)
    assert t2.doc_titles == (PIPL,)


def test_asking_in_context_answers_from_the_previous_documents(slice_engine):
    titles = TitleIndex.from_documents(slice_engine.documents)
    first = rewrite("个人信息保护法关于处理个人信息的告知义务", None, titles)
    a1 = ask_in_context(slice_engine, first)
    turn = turn_after(first.question, first, a1, titles)
    second = rewrite("那敏感个人信息呢？", turn, titles)
    a2 = ask_in_context(slice_engine, second)
    assert not a2.abstained
    assert {c.doc_title for c in a2.citations} == {PIPL}
    assert any("敏感个人信息" in c.quote for c in a2.citations)


def test_asking_in_context_falls_back_to_the_whole_corpus(slice_engine):
    from retrieval.filters import Filters

    pipl = next(d for d in slice_engine.documents if d.title == PIPL)
    question = "数据出境安全评估办法第四条规定了哪些申报情形？"
    asked = Rewrite(question, follow_up=True, doc_ids=(pipl.id,))
    scoped = slice_engine.ask(question, filters=Filters(doc_ids=frozenset({pipl.id})))
    assert scoped.abstained, "the test needs a question the previous documents cannot answer"
    answer = ask_in_context(slice_engine, asked)
    assert not answer.abstained and answer.citations[0].clause.startswith("《数据出境安全评估办法》第四条")
    # user filters still apply after the fallback
    narrowed = ask_in_context(slice_engine, asked, Filters(doc_types=frozenset({"法律"})))
    assert all(c.doc_id == pipl.id for c in narrowed.citations)
