"""What the pages share: binding a handler to the app state, and the page header."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from ..state import WebApp


def bind(fn: Callable[..., Any], web: WebApp) -> Callable[..., Any]:
    """``fn`` with its first parameter (the app state) supplied.

    The result keeps ``fn``'s name, docstring and the rest of its signature and annotations, so
    Gradio reads it as it reads ``fn``: the endpoint's name, parameter names and types, a
    ``gr.Progress()`` default and a ``gr.SelectData`` parameter all carry over. (A
    ``functools.partial`` would hide the annotations from Gradio.)
    """
    signature = inspect.signature(fn)
    params = list(signature.parameters.values())
    first = params[0].name

    @functools.wraps(fn)
    def bound(*args: Any, **kwargs: Any) -> Any:
        return fn(web, *args, **kwargs)

    bound.__signature__ = signature.replace(parameters=params[1:])  # type: ignore[attr-defined]
    bound.__annotations__ = {k: v for k, v in fn.__annotations__.items() if k != first}
    return bound


def header_html(n_docs: int) -> str:
    """The title line over both pages, with the number of indexed documents."""
    return (f"<div id='pq-header'><h2>政策法规问答</h2><p>基于 <b id='pq-doc-count'>{n_docs}</b> "
            "份政策法规文件作答；每个回答都引用原文条款，可点击查看上下文。</p></div>")
