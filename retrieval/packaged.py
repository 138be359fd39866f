"""The JSON models shipped inside the packages (``retrieval``, ``qa``): read one, and name its content by a checksum."""

from __future__ import annotations

import hashlib
import json
from importlib import resources


def packaged_json(name: str, package: str = "retrieval") -> dict | None:
    """The JSON file ``name`` (e.g. ``"data/query_adapter.json"``) shipped in ``package``, None when it is not."""
    res = resources.files(package).joinpath(name)
    return json.loads(res.read_text("utf-8")) if res.is_file() else None


def json_sha256(data: dict) -> str:
    """The first 16 hex digits of the SHA-256 of ``data`` as sorted JSON (what an index manifest records)."""
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
