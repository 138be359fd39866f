"""What an index update changes and says: the documents it touched, the files it held back because
they would replace something (:class:`Conflict`, settled by the user's ``on_conflict`` choice), and
its report (:class:`UpdateReport`). :mod:`index.update` does the update."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from ingest.pipeline import document_body
from ingest.titles import book
from ingest.types import Document, IngestProblem, SourceText

from .store import IndexData

@dataclass(frozen=True)
class DocChange:
    """A document an update touched. ``others``: for a replacement, the ids it replaced; for an
    alias, the id of the document it is a copy of."""

    id: str
    title: str
    source: str
    others: tuple[str, ...] = ()


# a replacement with less than this share of the text it replaces is flagged (one page for a whole law)
MUCH_SHORTER = 0.5
OnConflict = Literal["ask", "replace", "keep"]


@dataclass(frozen=True)
class Conflict:
    """A file not added because it would replace indexed documents: by its file name (``kind`` "name")
    or by a document's title ("title"); the user chooses to replace them or to keep both."""

    source: str
    kind: str
    replaces: tuple[DocChange, ...]
    chars_before: int
    chars_after: int

    @property
    def much_shorter(self) -> bool:
        return self.chars_after < MUCH_SHORTER * self.chars_before


@dataclass
class UpdateReport:
    """What an update did. ``version`` is the live version afterwards (unchanged when nothing changed)."""

    index_path: Path
    version: str
    changed: bool = False
    added: list[DocChange] = field(default_factory=list)
    replaced: list[DocChange] = field(default_factory=list)
    removed: list[DocChange] = field(default_factory=list)
    aliased: list[DocChange] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # files whose text the index already holds as is
    conflicts: list[Conflict] = field(default_factory=list)  # files not added: they would replace something
    warnings: list[str] = field(default_factory=list)  # replacements much shorter than what they replaced
    shortened: list[Conflict] = field(default_factory=list)  # the same, as records
    restored: list[DocChange] = field(default_factory=list)  # copies of removed documents, indexed again
    chunks_added: int = 0
    chunks_removed: int = 0
    problems: list[IngestProblem] = field(default_factory=list)
    seconds: float = 0.0
    embedded: int = 0
    cached: int = 0
    dense: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["index_path"] = str(self.index_path)
        d["problems"] = [{"source": p.source, "reason": p.reason, "fix": p.fix} for p in self.problems]
        d["conflicts"] = [{**asdict(c), "much_shorter": c.much_shorter} for c in self.conflicts]
        d["shortened"] = [{**asdict(c), "much_shorter": c.much_shorter} for c in self.shortened]
        return d

    def summary(self) -> str:
        lines = [f"index: {self.index_path}" + ("" if self.changed else " (unchanged)")]
        for label, items in (("added", self.added), ("replaced", self.replaced), ("removed", self.removed),
                             ("copy of a document already indexed (kept as an alias)", self.aliased)):
            for c in items:
                extra = f" (replaces {', '.join(c.others)})" if label == "replaced" else (
                    f" → {c.others[0]}" if c.others and label.startswith("copy") else "")
                lines.append(f"{label}: {c.id} {c.title} ({c.source}){extra}")
        if self.unchanged:
            lines.append("unchanged (already indexed as is): " + ", ".join(self.unchanged))
        for c in self.conflicts:
            what = ", ".join(f"{d.id} {d.title} ({d.source})" for d in c.replaces)
            lines.append(f"not added: {c.source} would replace {what}"
                         + (f" with a much shorter text ({c.chars_after:,} characters for {c.chars_before:,})"
                            if c.much_shorter else "")
                         + " — add it again with --replace to replace, or --keep-both")
        lines.extend(f"warning: {w}" for w in self.warnings)
        lines.append(f"chunks: +{self.chunks_added} -{self.chunks_removed}  "
                     f"embeddings: {self.embedded} computed, {self.cached} from cache  time: {self.seconds:.1f}s")
        if self.dense:
            lines.append("dense: " + ", ".join(f"{k} {v}" for k, v in self.dense.items()))
        if self.problems:
            lines.append(f"{len(self.problems)} problem(s):")
            lines.extend(f"  - {p}" for p in self.problems)
        return "\n".join(lines)


def change(doc: Document, others: Sequence[str] = ()) -> DocChange:
    return DocChange(doc.id, doc.title, doc.source, tuple(others))



def settle_conflicts(base: IndexData, parsed: list[tuple[SourceText, list[Document]]], on_conflict: OnConflict,
                      report: UpdateReport) -> list[tuple[SourceText, list[Document]]]:
    """The files to go on with: those that replace nothing, and those that do as ``on_conflict`` allows;
    each file held back is reported as a conflict (with a problem saying how to choose)."""
    by_title = {d.title: d for d in base.documents}
    go_on = []
    for source, docs in parsed:
        if source.path in base.sources:
            kind, old = "name", [d for d in base.documents if d.source == source.path]
        else:
            kind, old = "title", [o for d in docs if (o := by_title.get(d.title)) is not None and o.source != source.path
                                  and document_body(o, base.sources) != document_body(d, {source.path: source})]
        if not old:
            go_on.append((source, docs))
            continue
        conflict = Conflict(source.path, kind, tuple(change(o) for o in old),
                            sum(len(document_body(o, base.sources)) for o in old),
                            sum(len(document_body(d, {source.path: source})) for d in docs))
        titles = "、".join(book(o.title) for o in old[:3]) + (f" and {len(old) - 3} more" if len(old) > 3 else "")
        if on_conflict == "ask":
            report.conflicts.append(conflict)
            report.problems.append(IngestProblem(
                source.path, f"not added: it would replace {titles}" + (" (the indexed file of the same name)"
                                                                        if kind == "name" else ""),
                "add it again choosing to replace (policyqa add --replace) or to keep both (--keep-both)"))
            continue
        if on_conflict == "keep" and kind == "name":
            report.conflicts.append(conflict)
            report.problems.append(IngestProblem(source.path, "a file of this name is indexed: both cannot be kept",
                                                 "rename the file to keep both, or replace the indexed one"))
            continue
        if on_conflict == "replace" and conflict.much_shorter:
            report.shortened.append(conflict)
            report.warnings.append(f"{source.path} replaces {titles} with a much shorter text "
                                   f"({conflict.chars_after:,} characters for {conflict.chars_before:,})")
        go_on.append((source, docs))
    return go_on
