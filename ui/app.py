"""The Gradio workspace for compliance officers: ask, read the cited clauses, browse and edit the corpus.

Assembly, wiring and serving only. The pages build their components and hold their handlers
(:mod:`ui.pages.ask`, :mod:`ui.pages.library`, :mod:`ui.pages.memo`), sharing :class:`ui.state.WebApp`;
the HTML comes from :mod:`ui.render`; the page's CSS and script are ``ui/static/app.css`` and
``ui/static/app.js``, read when the app is built. The page's API endpoints (see README, *Web UI API*) are:

``/ask``, ``/search_corpus``, ``/document``, ``/add_documents``, ``/remove_document``,
``/export_markdown``, ``/feedback``.

Every handler, named endpoint or not, goes through :class:`ui.guard.Guard` (role, rate limit, typed
inputs, no server internals in what comes back); :func:`serve` refuses a non-loopback host without
credentials (:mod:`ui.auth`).
"""

from __future__ import annotations

import functools
import logging
from importlib import resources
from typing import TYPE_CHECKING, Any

from .auth import Credentials, load_credentials, require_auth
from .forms import filter_choices

if TYPE_CHECKING:  # pragma: no cover
    import gradio as gr

    from qa.engine import PolicyQA
    from settings import Settings

    from .guard import Guard
    from .pages.ask import AskView
    from .pages.library import LibraryView
    from .state import WebApp

log = logging.getLogger(__name__)

FONT_STACK = ["PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Source Sans Pro",
              "system-ui", "sans-serif"]


def static_text(name: str) -> str:
    """A file of ``ui/static`` (package data) as text."""
    return resources.files(__package__).joinpath("static", name).read_text(encoding="utf-8")


def load_css() -> str:
    """The page's style sheet (``ui/static/app.css``)."""
    return static_text("app.css")


def load_head() -> str:
    """What goes into the page's ``<head>``: the page's script (``ui/static/app.js``) and the styles of
    Gradio's own frame (``ui/static/page.css``, which the scoped ``app.css`` cannot reach)."""
    return f"\n<style>\n{static_text('page.css')}</style>\n<script>\n{static_text('app.js')}</script>\n"


def page_i18n() -> gr.I18n:
    """The page's translations, in Chinese only: with them Gradio sets its language again once the page's
    script (``ui/static/app.js``) has made the browser's language read zh-CN, so Gradio's own strings
    (footer, upload box, toasts) are Chinese whatever the browser's language."""
    import gradio as gr

    return gr.I18n(**{"zh-CN": {"pq.title": "政策法规问答"}})


def build_app(engine: PolicyQA, settings: Settings | None = None,
              credentials: Credentials | None = None) -> gr.Blocks:
    """The Blocks app over an open engine (launch it with :func:`launch`). With ``credentials`` (the
    ones :func:`launch` signs in with), adding and removing documents need the editor role."""
    import gradio as gr

    from .guard import Guard, GuardedWebApp
    from .pages import ask, library
    from .pages.common import header_html

    web = GuardedWebApp(engine, settings)
    guard = Guard(web, credentials or Credentials(), web.settings)
    choices = filter_choices(web.view.documents)
    rows, ids = library.corpus_rows(web)
    theme = gr.themes.Default(primary_hue="blue", neutral_hue="slate", font=FONT_STACK,
                              font_mono=["IBM Plex Mono", "ui-monospace", "monospace"]).set(
        # contrast of at least 4.5:1 (tests/browser/audit.py): the default blue-500 and red-500 are not
        color_accent="#1d4ed8", color_accent_soft="#e8f0fe", button_primary_background_fill="#1d4ed8",
        button_primary_background_fill_hover="#1e40af", button_primary_text_color="#ffffff",
        button_cancel_background_fill="#b91c1c", button_cancel_background_fill_hover="#991b1b",
        button_cancel_text_color="#ffffff", body_text_color_subdued="#57606a")
    with gr.Blocks(title="policyqa · 政策法规问答", analytics_enabled=False) as app:
        app.pq_theme = theme  # type: ignore[attr-defined]  # applied by launch()
        app.pq_css = load_css()  # type: ignore[attr-defined]
        app.pq_head = load_head()  # type: ignore[attr-defined]
        header = gr.HTML(header_html(len(web.view.documents)))
        turn_state = gr.State(None)
        last_state = gr.State(None)
        ids_state = gr.State(ids)
        with gr.Tabs() as tabs:
            with gr.Tab("问答", id="ask-tab", elem_id="ask-tab"):
                ask_view = ask.layout(web, choices)
            with gr.Tab("文件库", id="corpus-tab", elem_id="corpus-tab"):
                lib_view = library.layout(web, rows)
        open_request = gr.Textbox(visible=False, label="在文件库中打开")
        open_in_corpus = gr.Button(visible="hidden", elem_id="pq-open-in-corpus")
        add_result = gr.JSON(visible=False)
        remove_result = gr.JSON(visible=False)

        _wire_ask(guard, ask_view, turn_state, last_state)
        _wire_library(guard, lib_view, ask_view, header, ids_state, tabs, open_request, open_in_corpus, add_result,
                      remove_result)
        _api_endpoints(guard)
        if guard.credentials:  # a reader signed in: no upload controls (the endpoints refuse them anyway)
            def edit_controls(request: gr.Request) -> tuple[Any, Any]:
                ok = guard.can_edit(request)
                return gr.update(visible=ok), gr.update(visible=ok)

            edit_controls.__annotations__ = {"request": gr.Request}  # an object: Gradio passes the request
            app.load(edit_controls, None, [lib_view.upload, lib_view.add_btn], api_visibility="private",
                     show_progress="hidden")
    app.pq_web = web  # type: ignore[attr-defined]
    app.pq_credentials = credentials or Credentials()  # type: ignore[attr-defined]  # signed in with by launch()
    return app


def _wire_ask(guard: Guard, view: AskView, turn_state: gr.State, last_state: gr.State) -> None:
    """问答's events: ask (Enter or 提问), 新对话, the filter chips and 取消筛选重试, 👍 / 👎, 导出."""
    from .pages import ask, memo

    tools = view.memo
    on_ask = guard.wrap(ask.on_ask, bucket="ask")  # one handler (one concurrency group) for both triggers
    ask_inputs = [view.question, *view.filters, turn_state, view.thread]
    ask_outputs = [view.answer_html, view.evidence_html, turn_state, last_state, tools.fb_status, view.thread,
                   view.question, tools.row, tools.export_box]
    for trigger in (view.question.submit, view.ask_btn.click):
        trigger(on_ask, ask_inputs, ask_outputs, show_progress="minimal", api_visibility="private")
    view.new_btn.click(guard.wrap(ask.on_new_conversation), None, ask_outputs, api_visibility="private")
    for component in view.filters:
        component.change(ask.on_filters_changed, view.filters, [view.chips, view.filter_bar], api_visibility="private",
                         show_progress="hidden", trigger_mode="always_last")
    view.clear_btn.click(guard.wrap(ask.on_clear_filter), [view.clear_request, *view.filters],
                         [*view.filters, view.chips], api_visibility="private", show_progress="hidden",
                         js="(request, ...rest) => [window.pqClearFilter || request, ...rest]")
    view.retry_btn.click(guard.wrap(ask.on_retry_unfiltered, bucket="ask"), [view.thread, turn_state],
                         [*view.filters, view.chips, *ask_outputs], api_visibility="private",
                         show_progress="minimal")
    for button, rating in ((tools.up_btn, "up"), (tools.down_btn, "down")):
        button.click(guard.wrap(functools.partial(_rated, rating=rating), bucket="ask"),
                     [last_state, tools.comment], [tools.fb_status, tools.comment], api_visibility="private")
    tools.export_btn.click(guard.wrap(memo.on_export), [view.thread],
                           [tools.export_md, tools.export_files, tools.export_box], api_visibility="private")


def _rated(web: WebApp, last: dict | None, comment: str, *, rating: str) -> tuple[str, str]:
    """👍 / 👎 of the page (the comment capped as the API caps it)."""
    from .pages import memo
    from .schemas import InputError

    if isinstance(comment, str) and len(comment) > web.settings.ui_max_text_chars:
        raise InputError(f"反馈意见太长：最多 {web.settings.ui_max_text_chars} 字。")
    return memo.on_feedback(web, rating, last, comment)


def _wire_library(guard: Guard, view: LibraryView, ask_view: AskView, header: gr.HTML, ids_state: gr.State,
                  tabs: gr.Tabs, open_request: gr.Textbox, open_in_corpus: gr.Button, add_result: gr.JSON,
                  remove_result: gr.JSON) -> None:
    """文件库's events: search, open (from the table or the clause viewer), add, remove with confirmation.
    An add or remove also refreshes the header's count and 问答's filter choices; both need the editor
    role when the app has sign-in."""
    from .pages import library
    from .schemas import DocumentIn, FilesIn, OpenIn, SearchIn

    view.search.submit(guard.wrap(library.on_search, schema=SearchIn), [view.search],
                       [view.table, ids_state, view.cards], api_visibility="private")
    view.open_btn.click(guard.wrap(library.on_open_card), [view.open_request], view.opened_outputs,
                        js="(request) => [window.pqOpenDoc || request]", api_visibility="private",
                        show_progress="hidden")
    view.table.select(guard.wrap(library.on_open), [ids_state], view.opened_outputs, api_visibility="private")
    open_in_corpus.click(guard.wrap(library.on_open_in_corpus, schema=OpenIn), [open_request],
                         [tabs, *view.opened_outputs],
                         js="(request) => [window.pqOpenRequest || request]", api_visibility="private",
                         show_progress="hidden")
    refresh = [view.add_report, view.table, ids_state, header, ask_view.f_types, ask_view.f_regions,
               ask_view.f_status, view.cards]
    view.add_btn.click(guard.wrap(library.api_add_documents, schema=FilesIn, editor=True, bucket="upload", api=True),
                       [view.upload, view.on_conflict], [add_result], api_name="add_documents",
                       show_progress_on=[view.add_report], concurrency_limit=1, concurrency_id="index-write",
                       ).then(guard.wrap(library.show_report), [add_result, view.search], refresh,
                              api_visibility="private", show_progress="hidden")
    view.remove_btn.click(guard.wrap(library.on_remove_ask, schema=DocumentIn, editor=True), [view.open_doc],
                          [view.remove_btn, view.confirm_row, view.confirm_text, view.remove_report],
                          api_visibility="private", show_progress="hidden")
    view.cancel_btn.click(library.on_remove_cancel, None, [view.remove_btn, view.confirm_row, view.remove_report],
                          api_visibility="private", show_progress="hidden")
    view.confirm_btn.click(guard.wrap(library.api_remove_document, schema=DocumentIn, editor=True, api=True),
                           [view.open_doc], [remove_result],
                           api_name="remove_document", concurrency_limit=1, concurrency_id="index-write",
                           ).then(guard.wrap(library.after_remove), [remove_result, view.search, view.open_doc],
                                  [view.remove_report, *refresh[1:], *view.opened_outputs],
                                  api_visibility="private", show_progress="hidden")


def _api_endpoints(guard: Guard) -> None:
    """The named endpoints that are functions only (no component): /ask, /search_corpus, /document,
    /export_markdown, /feedback — each with its input schema (:mod:`ui.schemas`)."""
    import gradio as gr

    from .pages import ask, library, memo
    from .schemas import AskIn, DocumentIn, ExportIn, FeedbackIn, SearchIn

    gr.api(guard.wrap(ask.api_ask, schema=AskIn, bucket="ask", api=True), api_name="ask")
    gr.api(guard.wrap(library.api_search_corpus, schema=SearchIn, api=True), api_name="search_corpus")
    gr.api(guard.wrap(library.api_document, schema=DocumentIn, api=True), api_name="document")
    gr.api(guard.wrap(memo.api_export_markdown, schema=ExportIn, bucket="ask", api=True), api_name="export_markdown")
    gr.api(guard.wrap(memo.api_feedback, schema=FeedbackIn, bucket="ask", api=True), api_name="feedback")


def launch(app: gr.Blocks, settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Start serving ``app`` without blocking: queue sized for concurrent readers, upload limit (Gradio
    refuses a larger upload while it streams in, before the whole file is read), sign-in when the app
    has credentials, no server error text to clients, CSS, theme and the clause-viewer script."""
    credentials: Credentials = getattr(app, "pq_credentials", None) or Credentials()
    require_auth(host, credentials, settings)
    app.queue(default_concurrency_limit=settings.ui_concurrency)
    app.launch(server_name=host, server_port=port, prevent_thread_lock=True, show_error=False, quiet=True,
               ssr_mode=False, css=getattr(app, "pq_css", None) or load_css(),
               head=getattr(app, "pq_head", None) or load_head(), theme=getattr(app, "pq_theme", None),
               max_file_size=settings.upload_max_mb * 1024 * 1024,
               auth=credentials.check if credentials else None, auth_message="policyqa · 请登录",
               i18n=page_i18n(), footer_links=["api", "gradio", "settings"])  # no "Runs": an English-only link


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, block: bool = True) -> gr.Blocks:
    """Open the configured index and serve the app; prints the URL once the page can be loaded.
    Refuses (:class:`ui.auth.AuthConfigError`) a non-loopback ``host`` without credentials, before
    opening anything."""
    from qa.engine import PolicyQA

    credentials = load_credentials(settings)
    require_auth(host, credentials, settings)
    engine = PolicyQA.open(settings=settings)
    engine.ask("数据出境安全评估")  # warm up: embedder, jieba and the first query are paid here, not by a user
    from qa.conversation import warm_up

    warm_up()  # and the part-of-speech tags follow-ups are rewritten with
    app = build_app(engine, settings, credentials)
    launch(app, settings, host, port)
    if credentials:
        log.info("sign-in required: %d users (%s)", len(credentials.users),
                 ", ".join(f"{u.name}={u.role}" for u in credentials.users.values()))
    log.info("policyqa UI ready at http://%s:%d", host, port)
    print(f"policyqa UI: http://{host}:{port}", flush=True)  # noqa: T201 - the URL is the command's output
    if block:
        app.block_thread()
    return app
