"""The JSON models shipped inside the packages (``retrieval``, ``qa``): read one, and name its content by a checksum."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from importlib import resources
from typing import Protocol, TypeVar


def packaged_json(name: str, package: str = "retrieval") -> dict | None:
    """The JSON file ``name`` (e.g. ``"data/query_adapter.json"``) shipped in ``package``, None when it is not."""
    res = resources.files(package).joinpath(name)
    return json.loads(res.read_text("utf-8")) if res.is_file() else None


def json_sha256(data: dict) -> str:
    """The first 16 hex digits of the SHA-256 of ``data`` as sorted JSON (what an index manifest records)."""
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


class Tied(Protocol):
    embedder: str  # the name of the embedder whose vectors the model was fitted on


T = TypeVar("T", bound=Tied)


def resolve_tied(spec: str, embedder: str, shipped: Callable[[], T | None], load: Callable[[str], T], what: str,
                 setting: str) -> T | None:
    """A model tied to the embedder whose vectors it was fitted on, as setting ``setting`` names it for the vectors of
    ``embedder``: ``"shipped"`` (the package's, when fitted on that embedder's vectors), ``"none"`` (or empty), or a
    JSON file's path, refused when fitted on another embedder's vectors (``what`` names the model in the error)."""
    if spec in ("", "none"):
        return None
    if spec == "shipped":
        model = shipped()
        return model if model is not None and model.embedder == embedder else None
    model = load(spec)
    if model.embedder != embedder:
        raise ValueError(f"{what} {spec} was fitted on {model.embedder!r} vectors; this index is searched with "
                         f"{embedder!r}: set {setting} to none or refit it with `python -m training.train`")
    return model
