"""The web app served on 127.0.0.1, driven through its named API with gradio_client."""

import socket

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(slice_engine):
    from ui.app import CSS, build_app

    app = build_app(slice_engine)
    port = _free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, css=CSS,
               ssr_mode=False)
    yield f"http://127.0.0.1:{port}/"
    app.close()


def test_ask_endpoint_returns_answer_and_highlighted_citation(served):
    from gradio_client import Client

    client = Client(served, verbose=False)
    answer_html, citations_html = client.predict("数据出境安全评估的申报情形有哪些？", api_name="/ask")
    assert "[1]" in answer_html
    assert "《数据出境安全评估办法》第四条" in citations_html
    assert "<mark>" in citations_html and "100万人以上个人信息" in citations_html


def test_abstention_is_said_plainly(served):
    from gradio_client import Client

    answer_html, citations_html = Client(served, verbose=False).predict("员工年终奖应该按什么比例缴纳个人所得税？",
                                                                       api_name="/ask")
    assert "未找到依据" in answer_html and "pq-abstain" in answer_html
    assert "不足以作答" in citations_html
