"""What the commands share: settings from the command line, JSON output, the update progress bar."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from settings import Settings

#: the logger every command writes to (its name shows in the output: ``ERROR policyqa: ...``)
LOGGER = "policyqa"


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Defaults < environment (``POLICYQA_*``) < the command line's flags."""
    s = Settings.from_env()
    return s.override(
        index_dir=getattr(args, "index", None),
        embedder=getattr(args, "embedder", None),
        cache_dir=getattr(args, "cache", None),
        reranker=getattr(args, "reranker", None),
        faiss_kind=getattr(args, "faiss_kind", None),
        index_backend=getattr(args, "backend", None),
        milvus_uri=getattr(args, "milvus_uri", None),
        ray_address=getattr(args, "ray", None),
        progress=False if getattr(args, "no_progress", False) else None,
        answer_mode=getattr(args, "mode", None),
        llm_base_url=getattr(args, "llm_base_url", None),
        llm_model=getattr(args, "llm_model", None),
        auth_file=getattr(args, "auth_file", None),
    )


def print_json(obj: object) -> None:
    """``obj`` as indented JSON on stdout, Chinese left readable."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def update_progress(settings: Settings, quiet: bool) -> tuple[Callable[[float, str], None] | None, Any]:
    """A progress callback drawing one bar on stderr and the bar (to close), or (None, None)."""
    from tqdm.auto import tqdm

    if quiet or not settings.progress:
        return None, None
    bar = tqdm(total=100, unit="%", leave=False)

    def progress(fraction: float, message: str) -> None:
        bar.set_description(message[:40])
        bar.update(round(fraction * 100) - bar.n)

    return progress, bar


def print_update(report: Any, as_json: bool) -> int:
    """An index update's report, as JSON or its summary; exit status 1 when it met problems."""
    if as_json:
        print_json(report.to_dict())
    else:
        print(report.summary())
    return 1 if report.problems else 0
