"""The page handlers are plain functions of the app state: they run without a server, and bound to
it they look to Gradio exactly as written (names, parameters, gr.Progress, gr.SelectData)."""

from __future__ import annotations

import inspect

import pytest

from .conftest import BACKENDS, engine_of

QUESTION = "数据出境安全评估的申报情形有哪些？"


@pytest.fixture(scope="module", params=BACKENDS)
def web(request):
    """The app over the slice index on each search backend."""
    from ui.state import WebApp

    return WebApp(engine_of(request, request.param))  # the handlers below only read: no upload, removal or feedback


def test_bind_keeps_what_gradio_reads(web):
    from gradio.helpers import special_args

    from ui.pages import library, memo
    from ui.pages.common import bind

    opener = bind(library.on_open, web)
    assert opener.__name__ == "on_open" and list(inspect.signature(opener).parameters) == ["ids", "evt"]
    assert special_args(opener)[2] == 1  # the gr.SelectData parameter is still seen
    adder = bind(library.api_add_documents, web)
    assert list(inspect.signature(adder).parameters) == ["files", "on_conflict", "progress"]
    assert special_args(adder)[1] == 2  # the gr.Progress parameter is still seen
    feedback = bind(memo.api_feedback, web)
    assert inspect.signature(feedback).return_annotation is dict and "web" not in feedback.__annotations__


def test_handlers_run_without_a_server(web):
    from ui.pages import ask, library

    html, evidence, turn, last, status, thread, box, *_ = ask.on_ask(web, QUESTION, None, None, None, "", "", None, [])
    assert "pq-answer-wrap" in html and "《数据出境安全评估办法》第四条" in evidence and status == ""
    assert last["asked"] == QUESTION and turn is not None and len(thread) == 1 and box == ""
    html2, evidence2, turn2, _, _, thread2, *_ = ask.on_ask(web, "那向境外提供呢？", None, None, None, "", "", turn,
                                                          thread)
    assert len(thread2) == 2 and html2.count("class='pq-turn") == 2  # the thread: both questions on screen
    assert "data-view='t1-c1'" in html2 and "data-view='t2-c1'" in html2
    assert "id='pq-view-t1-c1'" in evidence2 and "id='pq-view-t2-c1'" in evidence2
    assert evidence2.count("pq-view pq-active") == 1 and "pq-view pq-active' id='pq-view-t2-" in evidence2
    rows, ids = library.corpus_rows(web, "数据出境安全评估办法")
    assert rows and ids and library.api_document(web, ids[0])["id"] == ids[0]
    assert "确认删除《数据出境安全评估办法》？" in library.on_remove_ask(web, ids[0])[2]
    assert "没有这份文件" in library.on_remove_ask(web, "no-such-doc")[3]
