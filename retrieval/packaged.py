"""The JSON models shipped inside the packages (``retrieval``, ``qa``): read one, and name its content by a checksum.

:class:`JsonModel` is what every such model shares (its checksum, reading a file, the packaged copy, the check of
the file's ``kind``); :class:`TiedModel` adds choosing one by a setting's value for an embedder's vectors.
"""

from __future__ import annotations

import hashlib
import json
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import ClassVar, Self


def packaged_json(name: str, package: str = "retrieval") -> dict | None:
    """The JSON file ``name`` (e.g. ``"data/query_adapter.json"``) shipped in ``package``, None when it is not."""
    res = resources.files(package).joinpath(name)
    return json.loads(res.read_text("utf-8")) if res.is_file() else None


def json_sha256(data: dict) -> str:
    """The first 16 hex digits of the SHA-256 of ``data`` as sorted JSON (what an index manifest records)."""
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


class JsonModel:
    """A model written as JSON by a trainer and shipped in a package. A subclass (a frozen dataclass) names the
    file's ``KIND``, how errors call it (``NAME``), where the package keeps it (``PACKAGE``, ``SHIPPED``) and the
    command that writes one (``TRAINER``), and gives :meth:`to_json` and :meth:`from_fields`."""

    KIND: ClassVar[str]
    NAME: ClassVar[str]
    PACKAGE: ClassVar[str] = "retrieval"
    SHIPPED: ClassVar[str]
    TRAINER: ClassVar[str]

    def to_json(self) -> dict:
        raise NotImplementedError

    @classmethod
    def from_fields(cls, data: dict) -> Self:
        """The model from a JSON object whose ``kind`` was checked (a missing field raises KeyError)."""
        raise NotImplementedError

    @cached_property
    def sha256(self) -> str:
        return json_sha256(self.to_json())

    @classmethod
    def from_json(cls, data: dict, source: str | None = None) -> Self:
        """The model from a JSON object, refused with the fix when it is another kind of model or lacks a field
        (``source`` names it in the error)."""
        source = source or cls.NAME
        if data.get("kind") != cls.KIND:
            article = "an" if cls.NAME[0] in "aeiou" else "a"
            raise ValueError(f"{source} is not {article} {cls.NAME} (kind {data.get('kind')!r}); "
                             f"write one with `{cls.TRAINER}`")
        try:
            return cls.from_fields(data)
        except KeyError as err:
            raise ValueError(f"{source}: no field {err}; write it again with `{cls.TRAINER}`") from None

    @classmethod
    def load(cls, path: str | Path) -> Self:
        return cls.from_json(json.loads(Path(path).read_text("utf-8")), str(path))

    @classmethod
    def shipped(cls) -> Self | None:
        """The model shipped in the package (None when none is)."""
        data = packaged_json(cls.SHIPPED, cls.PACKAGE)
        return None if data is None else cls.from_json(data, f"{cls.PACKAGE}/{cls.SHIPPED}")


class TiedModel(JsonModel):
    """A :class:`JsonModel` fitted on one embedder's vectors (``embedder``), chosen by the setting ``SETTING``."""

    SETTING: ClassVar[str]
    embedder: str

    @classmethod
    def resolve(cls, spec: str, embedder: str) -> Self | None:
        """The model the setting's value ``spec`` names for the vectors of ``embedder``: ``"shipped"`` (the package's,
        when fitted on that embedder's vectors), ``"none"`` (or empty), or a JSON file's path, refused when fitted on
        another embedder's vectors."""
        if spec in ("", "none"):
            return None
        if spec == "shipped":
            model = cls.shipped()
            return model if model is not None and model.embedder == embedder else None
        return cls.load(spec).tied_to(embedder, spec)

    def tied_to(self, embedder: str, named: str) -> Self:
        """This model, when fitted on the vectors of ``embedder``; else the error naming it (``named``: its file or
        version) and the fix."""
        if self.embedder != embedder:
            raise ValueError(f"{self.NAME} {named} was fitted on {self.embedder!r} vectors; this index is searched "
                             f"with {embedder!r}: set {self.SETTING} to none or refit it with `{self.TRAINER}`")
        return self
