"""Every handler the page or a client can call, guarded: sign-in role, rate limit, typed inputs, and
nothing of the server (a traceback, Python's own error text, a path) in what comes back.

``ui/app.py`` wires each page handler through :meth:`Guard.wrap` instead of binding it bare:

- **role** — adding and removing documents need the ``editor`` role when the app has credentials
  (:mod:`ui.auth`); without credentials the app only ever listens on loopback, for its own user;
- **rate** — a token bucket per signed-in user (per client address without sign-in) for questions and
  for uploads (``Settings.ui_asks_per_minute``, ``ui_uploads_per_minute``), refused in Chinese;
- **schema** — the endpoint's arguments are checked against its pydantic model (:mod:`ui.schemas`);
- **errors** — an error meant for the user (Chinese, no Python in it) is passed on; anything else is
  logged with its traceback and the client gets one Chinese sentence. Server paths are cut out of
  every message and every JSON result.

>>> bucket = RateLimiter(2, clock=iter([0.0, 0.0, 0.0, 30.0]).__next__)
>>> [bucket.wait("u") for _ in range(4)]
[0.0, 0.0, 30.0, 0.0]
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr
from pydantic import BaseModel

from qa.engine import QuestionError, validate_question
from settings import PROJECT_ROOT

from .auth import EDITOR, Credentials
from .forms import make_filters
from .schemas import Caps, InputError, validate
from .state import WebApp

if TYPE_CHECKING:  # pragma: no cover
    from qa.conversation import Rewrite, Turn
    from qa.types import Answer
    from settings import Settings

log = logging.getLogger(__name__)

GENERIC = "服务器未能处理这个请求（已记录）。请检查输入后重试；问题仍在时请联系管理员。"
NOT_EDITOR = "只有“编辑”角色（editor）可以添加或删除文件：当前登录的用户没有这个权限，请联系管理员。"
BUSY = {"ask": "提问太频繁：每分钟最多 {n} 次，请 {s} 秒后再试。",
        "upload": "上传太频繁：每分钟最多 {n} 次，请 {s} 秒后再试。"}
_CJK = re.compile(r"[\u3400-\u9fff]")
_PYTHON = re.compile(r"Traceback|object has no attribute|unexpected keyword|positional argument|"
                     r"\b[A-Z][A-Za-z]*(?:Error|Exception)\b|File \"|\.py\b|errno|codec", re.I)


ERROR_TITLE = "错误"  # Gradio's default toast title is English


class RateLimiter:
    """A token bucket per key: ``per_minute`` tokens, refilled evenly; 0 means no limit."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic, max_keys: int = 10_000) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key → (tokens, when)
        self._lock = threading.Lock()

    def wait(self, key: str) -> float:
        """Take a token for ``key``: 0.0 when granted, else the seconds until one is free."""
        if self.per_minute <= 0:
            return 0.0
        rate = self.per_minute / 60.0
        now = self.clock()
        with self._lock:
            tokens, then = self._buckets.pop(key, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - then) * rate)
            granted = tokens >= 1.0
            self._buckets[key] = (tokens - 1.0 if granted else tokens, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        return 0.0 if granted else (1.0 - tokens) / rate


def user_message(text: str) -> bool:
    """Whether an error message was written for the user (Chinese, no Python in it)."""
    return bool(_CJK.search(text)) and not _PYTHON.search(text)


class GuardedWebApp(WebApp):
    """The shared app state, with every question validated (:func:`qa.engine.validate_question`) and
    the filters checked before anything runs: a fault of the input is said in Chinese; any other error
    on the way is the server's (logged, and reported as :data:`GENERIC`)."""

    def ask(self, question: str, doc_types=None, regions=None, statuses=None, date_from: str | None = None,
            date_to: str | None = None, previous: Turn | None = None) -> tuple[Answer, Rewrite, Turn, dict]:
        question = validate_question(question, self.settings.max_question_chars)
        make_filters(doc_types, regions, statuses, date_from, date_to)  # ValueError in Chinese: a bad date
        try:
            return super().ask(question, doc_types, regions, statuses, date_from, date_to, previous)
        except QuestionError:
            raise  # the follow-up as rewritten is too long
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            log.exception("asking %r failed", question[:200])
            raise ValueError(GENERIC) from exc


class Guard:
    """Wraps the page's handlers (see the module's docstring)."""

    def __init__(self, web: WebApp, credentials: Credentials, settings: Settings) -> None:
        self.web = web
        self.credentials = credentials
        self.caps = Caps(settings.max_question_chars, settings.ui_max_text_chars)
        self.limits = {"ask": RateLimiter(settings.ui_asks_per_minute),
                       "upload": RateLimiter(settings.ui_uploads_per_minute)}
        roots = {Path(settings.index_dir), Path(settings.cache_dir), PROJECT_ROOT, Path(tempfile.gettempdir()),
                 Path.home()}
        names = {str(p) for r in roots for p in (r, r.resolve()) if p.is_absolute() and len(p.parts) > 1}
        self._roots = re.compile("(?:" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
                                 + r")[/\\]?")

    # -- who is asking -----------------------------------------------------------------------
    @staticmethod
    def who(request: gr.Request | None) -> str:
        """The rate limit's key: the signed-in user, else the client's address."""
        if request is None:
            return "local"
        user = getattr(request, "username", None)
        if user:
            return f"user:{user}"
        client = getattr(request, "client", None)
        return f"addr:{getattr(client, 'host', None) or 'unknown'}"

    def can_edit(self, request: gr.Request | None) -> bool:
        """Whether the caller may add and remove documents."""
        if not self.credentials:  # no sign-in: loopback only (ui.auth.require_auth), the machine's own user
            return True
        return self.credentials.role(getattr(request, "username", None)) == EDITOR

    def require_editor(self, request: gr.Request | None) -> None:
        if not self.can_edit(request):
            user = getattr(request, "username", None)
            log.warning("refused an edit by %r (role %s)", user, self.credentials.role(user))
            raise gr.Error(NOT_EDITOR, title="没有权限")

    def take(self, bucket: str, request: gr.Request | None) -> None:
        limiter = self.limits[bucket]
        wait = limiter.wait(self.who(request))
        if wait > 0:
            log.warning("rate limit (%s) for %s", bucket, self.who(request))
            raise gr.Error(BUSY[bucket].format(n=limiter.per_minute, s=max(1, round(wait + 0.5))), title="请稍候")

    # -- what goes back ----------------------------------------------------------------------
    def scrub(self, value: Any) -> Any:
        """``value`` (JSON-like) with every server path cut to what follows the known roots."""
        if isinstance(value, str):
            return self._roots.sub("", value)
        if isinstance(value, dict):
            return {k: self.scrub(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.scrub(v) for v in value)
        return value

    def public(self, exc: BaseException, what: str) -> gr.Error:
        """The error the client sees for ``exc``."""
        if isinstance(exc, gr.Error):
            text = str(exc.message)
            if user_message(text):
                return gr.Error(self.scrub(text), title=exc.title if exc.title != "Error" else ERROR_TITLE)
            log.error("%s: an error not meant for the user: %s", what, text)
            return gr.Error(GENERIC, title=ERROR_TITLE)
        if isinstance(exc, (InputError, QuestionError)) or (isinstance(exc, ValueError) and user_message(str(exc))):
            return gr.Error(self.scrub(str(exc)), title=ERROR_TITLE)
        log.error("%s failed", what, exc_info=exc)
        return gr.Error(GENERIC, title=ERROR_TITLE)

    def _report(self, result: Any) -> Any:
        """An add/remove report: its ``error`` in Chinese only."""
        if isinstance(result, dict) and isinstance(result.get("error"), str):
            head, _, detail = result["error"].partition("：")
            if not user_message(detail):
                log.error("index update failed: %s", result["error"])
                result = {**result, "error": f"{head}：服务器无法更新索引（已记录），请联系管理员。"}
        return self.scrub(result)

    # -- the wrapper -------------------------------------------------------------------------
    def wrap(self, fn: Callable[..., Any], *, schema: type[BaseModel] | None = None, editor: bool = False,
             bucket: str | None = None, api: bool = False) -> Callable[..., Any]:
        """``fn`` (a page handler taking the app state first) bound to it and guarded. Gradio reads the
        result's signature as ``fn``'s without its first parameter, plus the request it passes first."""
        signature = inspect.signature(fn)
        params = list(signature.parameters.values())
        inner = signature.replace(parameters=params[1:])
        request_param = inspect.Parameter("pq_request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=gr.Request)
        what = getattr(fn, "__name__", None) or getattr(getattr(fn, "func", None), "__name__", "handler")
        # Gradio reads the hints (gr.Request, gr.SelectData, an endpoint's types) as objects: a string one
        # (from a module with postponed annotations) would hide them all, so those are left out
        hints = {k: v for k, v in getattr(fn, "__annotations__", {}).items() if k != params[0].name
                 and not isinstance(v, str)}

        @functools.wraps(fn)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            request = args[0] if args and isinstance(args[0], gr.Request) else kwargs.pop("pq_request", None)
            rest = args[1:] if args and args[0] is request else args
            try:
                try:
                    bound = inner.bind(*rest, **kwargs)
                except TypeError:
                    raise InputError(f"参数不符合这个接口：它接受 {', '.join(inner.parameters)}。") from None
                if editor:
                    self.require_editor(request)
                if bucket:
                    self.take(bucket, request)
                if schema is not None:
                    validate(schema, {k: v for k, v in bound.arguments.items() if k in schema.model_fields}, self.caps)
                result = fn(self.web, *bound.args, **bound.kwargs)
            except Exception as exc:  # noqa: BLE001 - every error leaves as one the client may see
                raise self.public(exc, what) from None
            return (self._report(result) if editor else self.scrub(result)) if api else result

        guarded.__signature__ = inner.replace(parameters=[request_param, *params[1:]])  # type: ignore[attr-defined]
        guarded.__annotations__ = {**hints, "pq_request": gr.Request}
        return guarded
