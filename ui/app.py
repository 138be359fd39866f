"""The Gradio web app: ask a question, read the answer, open each cited clause in its context."""

from __future__ import annotations

import html
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import gradio as gr

    from qa.config import Settings
    from qa.engine import PolicyQA
    from qa.types import Answer

log = logging.getLogger(__name__)

CONTEXT_CHARS = 300
CSS = """
.pq-cite {border:1px solid #d0d7de; border-radius:8px; padding:10px 14px; margin:8px 0; background:#fafbfc}
.pq-cite summary {cursor:pointer; font-weight:600}
.pq-ctx {white-space:pre-wrap; line-height:1.7; color:#444; margin-top:8px}
.pq-ctx mark {background:#fff3b0; color:#111; padding:0 1px}
.pq-warn {color:#8a5300; background:#fff8e6; border-radius:6px; padding:6px 10px; margin:4px 0}
.pq-abstain {color:#7a1c1c; font-weight:600}
"""


def render_answer(answer: "Answer") -> str:
    """The answer as Markdown: text with [n] markers, warnings, abstention said plainly."""
    parts = []
    if answer.abstained:
        parts.append(f"<p class='pq-abstain'>{html.escape(answer.answer)}</p>")
    else:
        parts.append(html.escape(answer.answer).replace("\n", "<br>"))
    for w in answer.warnings:
        parts.append(f"<div class='pq-warn'>⚠ {html.escape(w)}</div>")
    parts.append(f"<p style='color:#888;font-size:12px'>{answer.latency_ms:.0f} ms</p>")
    return "\n".join(parts)


def render_citations(answer: "Answer", sources: dict) -> str:
    """Each citation as an expandable card: label, quote highlighted inside its surrounding text."""
    if not answer.citations and not answer.related:
        return ""
    cards = []
    for c in answer.citations:
        text = sources[c.source].text
        a, b = max(0, c.start - CONTEXT_CHARS), min(len(text), c.end + CONTEXT_CHARS)
        ctx = (html.escape(text[a:c.start]) + "<mark>" + html.escape(text[c.start:c.end]) + "</mark>"
               + html.escape(text[c.end:b]))
        page = f" · 第{c.page}页" if c.page else ""
        cards.append(
            f"<details class='pq-cite' id='cite-{c.marker}'><summary>[{c.marker}] {html.escape(c.clause)}</summary>"
            f"<div style='font-size:12px;color:#666'>{html.escape(c.source)} · 字符 {c.start}–{c.end}{page}</div>"
            f"<div class='pq-ctx'>{ctx}</div></details>"
        )
    if answer.related:
        label = "相关条款（供参考）" if not answer.abstained else "最接近的条款（不足以作答）"
        items = "".join(f"<li>{html.escape(r.clause)}：{html.escape(r.snippet[:80])}…</li>" for r in answer.related)
        cards.append(f"<div style='margin-top:12px'><b>{label}</b><ul>{items}</ul></div>")
    return "\n".join(cards)


def build_app(engine: "PolicyQA") -> "gr.Blocks":
    """A Blocks app over an open engine. The API endpoint is named ``ask``."""
    import gradio as gr

    def ask(question: str) -> tuple[str, str]:
        if not question or not question.strip():
            return "请输入问题。", ""
        answer = engine.ask(question)
        return render_answer(answer), render_citations(answer, engine.data.sources)

    n_docs = len(engine.documents)
    with gr.Blocks(title="policyqa · 政策法规问答") as app:
        gr.Markdown(f"## 政策法规问答\n基于 {n_docs} 份政策法规文件作答，每个回答都引用原文条款。")
        with gr.Row():
            question = gr.Textbox(label="问题", placeholder="例如：数据出境安全评估的申报情形有哪些？", scale=5,
                                  elem_id="question")
            submit = gr.Button("提问", variant="primary", scale=1, elem_id="ask")
        answer_box = gr.HTML(elem_id="answer")
        citations_box = gr.HTML(elem_id="citations")
        question.submit(ask, question, [answer_box, citations_box], api_name="ask")
        submit.click(ask, question, [answer_box, citations_box], api_name=False)
    return app


def serve(settings: "Settings", host: str = "127.0.0.1", port: int = 7860, block: bool = True) -> "gr.Blocks":
    """Open the configured index and serve the app; logs the URL."""
    from qa.engine import PolicyQA

    engine = PolicyQA.open(settings=settings)
    app = build_app(engine)
    app.queue(default_concurrency_limit=4)
    app.launch(server_name=host, server_port=port, prevent_thread_lock=True, show_error=True, css=CSS,
               quiet=True, ssr_mode=False)
    log.info("policyqa UI ready at http://%s:%d", host, port)
    print(f"policyqa UI: http://{host}:{port}", flush=True)  # noqa: T201 - the URL is the command's output
    if block:
        app.block_thread()
    return app
