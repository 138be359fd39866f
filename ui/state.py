"""What the page's handlers share: :class:`WebApp` (the engine, views of its live index, the feedback
log, the upload folder, the write lock) and the update report as the API returns it."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.store import IndexOpenError
from ingest.types import IngestError
from qa.conversation import Rewrite, TitleIndex, Turn, ask_in_context, rewrite, turn_after

from . import render
from .feedback import FeedbackLog, feedback_record
from .forms import filters_dict, make_filters
from .uploads import stage_uploads

if TYPE_CHECKING:  # pragma: no cover
    from qa.engine import PolicyQA
    from qa.types import Answer
    from settings import Settings

log = logging.getLogger(__name__)

#: what an add or remove can raise when the index cannot take the update (reported, nothing changed)
UPDATE_ERRORS = (ValueError, OSError, IndexOpenError, IngestError)


class WebApp:
    """What the page's handlers share: the engine, views of its current index version, the
    feedback log and the upload folder. Every handler reads ``engine.data`` when it runs, so
    after an add or remove the next request sees the new index.

    A version another process wrote (``policyqa build``, ``policyqa add``, another server) is seen
    too: before each request the index's ``CURRENT`` pointer is checked (one ``stat``; the file is
    read only when it changed) and the engine reopens the index when it names another version.
    """

    def __init__(self, engine: PolicyQA, settings: Settings | None = None) -> None:
        self.engine = engine
        self.settings = settings or engine.settings
        index_dir = Path(self.settings.index_dir)
        self.feedback = FeedbackLog(index_dir / "feedback.jsonl")
        self.upload_dir = index_dir / "uploads"
        self.max_upload_bytes = self.settings.upload_max_mb * 1024 * 1024
        self._views: tuple[Any, render.CorpusView, TitleIndex] | None = None
        self._views_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._current_file = index_dir / "CURRENT"
        self._sync_lock = threading.Lock()
        self._seen: tuple[int, int, int] | None = None  # the CURRENT pointer last checked: (inode, mtime, size)

    # -- following the index on disk ---------------------------------------------------------
    def _pointer(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self._current_file)
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def sync(self) -> bool:
        """Serve the index's live version if another process made another one live; True when it did.

        Cheap when nothing changed (one ``stat``). While this process is itself adding or removing,
        it does not wait: that update serves the newest version when it ends.
        """
        seen = self._pointer()
        if seen is None or seen == self._seen:
            return False
        with self._sync_lock:
            seen = self._pointer()
            if seen is None or seen == self._seen:
                return False
            try:
                live = self._current_file.read_text("utf-8").strip()
            except OSError:
                return False
            served = self.engine.data.path.name if self.engine.data.path is not None else None
            if live == served:
                self._seen = seen
                return False
            update_lock = getattr(self.engine, "_update_lock", None)
            if update_lock is not None and not update_lock.acquire(blocking=False):
                return False  # an add/remove of this process is under way; it swaps in the newest version
            reopened = False
            try:
                self.engine._serve_live_version()  # noqa: SLF001 - the engine's own swap, as after its add
                reopened = True
            except (OSError, ValueError, IndexOpenError) as exc:
                log.error("index %s: version %s was made live by another process but cannot be opened (%s); "
                          "still serving %s", self._current_file.parent, live, exc, served)
            else:
                log.info("index %s: serving version %s, written by another process (was %s)",
                         self._current_file.parent, live, served)
            finally:
                if update_lock is not None:
                    update_lock.release()
            self._seen = seen  # a version that cannot be opened is tried again when CURRENT changes again
            return reopened

    # -- views of the live index -------------------------------------------------------------
    def _current(self) -> tuple[render.CorpusView, TitleIndex]:
        self.sync()
        data = self.engine.data
        with self._views_lock:
            if self._views is None or self._views[0] is not data:
                self._views = (data, render.CorpusView.of(data), TitleIndex.from_documents(data.documents))
            return self._views[1], self._views[2]

    @property
    def view(self) -> render.CorpusView:
        return self._current()[0]

    @property
    def titles(self) -> TitleIndex:
        return self._current()[1]

    @property
    def index_version(self) -> str:
        return str((self.engine.data.manifest or {}).get("version", ""))

    # -- asking ------------------------------------------------------------------------------
    def ask(self, question: str, doc_types=None, regions=None, statuses=None, date_from: str | None = None,
            date_to: str | None = None, previous: Turn | None = None) -> tuple[Answer, Rewrite, Turn, dict]:
        """Answer ``question`` (a follow-up of ``previous`` when it is one) under the panel's filters."""
        if not question or not question.strip():
            raise ValueError("请输入问题。")
        filters = make_filters(doc_types, regions, statuses, date_from, date_to)
        titles = self.titles
        asked = rewrite(question, previous, titles)
        answer = ask_in_context(self.engine, asked, filters)
        return answer, asked, turn_after(question, asked, answer, titles), filters_dict(filters)

    # -- documents ---------------------------------------------------------------------------
    def add(self, files: list[tuple[str, str]], progress=None,
            on_conflict: str = "ask") -> tuple[Any, list[tuple[str, str]], dict[str, str]]:
        """Check, stage and index uploaded ``(temporary path, name)`` pairs; returns the engine's
        report, the refused files with their reason, and the staged → uploaded names. A file that
        would replace indexed documents waits in ``report.conflicts`` for the user's choice
        (``on_conflict``: "ask", "replace" or "keep")."""
        staged = stage_uploads(files, self.upload_dir, self.max_upload_bytes)
        report = None
        if staged.paths:
            with self._write_lock:
                self.sync()
                report = self.engine.add(staged.paths, progress=progress, on_conflict=on_conflict)
        return report, staged.rejected, staged.names

    def remove(self, doc_id: str) -> Any:
        """Remove one indexed document (ValueError when there is none by that id); the engine's report."""
        if not doc_id or doc_id not in self.view.docs:
            raise ValueError(f"没有这份文件：{doc_id!r}")
        with self._write_lock:
            self.sync()
            return self.engine.remove([doc_id])

    def record_feedback(self, answer: dict, rating: str, comment: str = "", asked: str | None = None,
                        filters: dict | None = None) -> dict:
        """Append a rating of ``answer`` (an ``/ask`` result) to the feedback log; the line written."""
        record = feedback_record(answer, rating, comment, asked, filters, self.index_version)
        return self.feedback.append(record)


def report_dict(report: Any, rejected: list[tuple[str, str]], names: dict[str, str], n_docs: int) -> dict:
    """An UpdateReport (or None when every file was refused) as the JSON the API returns."""
    out: dict[str, Any] = report.to_dict() if report is not None else {}
    out.pop("index_path", None)
    out["rejected"] = [{"file": n, "reason": r} for n, r in rejected]
    out["staged_as"] = names
    out["documents"] = n_docs
    return out
