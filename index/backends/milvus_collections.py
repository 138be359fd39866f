"""A Milvus collection of an index's chunks: its schema, its rows, and the writes a build and an
update make (:mod:`index.backends.milvus` says what the fields are and how versions go live; it
searches what these functions write)."""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ingest.metadata.dates import filing_date, filing_date_end
from ingest.types import Chunk, Document

from ..bm25_index import B, K1
from ..tokenize import JiebaTokenizer

log = logging.getLogger(__name__)

LITE_DIR = "milvus.db"  # Milvus Lite's data directory inside the index directory
TEXT_MAX = 65_535  # VARCHAR limit (bytes)
FIELD_MAX = 1_024
ISSUERS_MAX = 32
INSERT_BATCH = 1_000


def is_server(uri: str) -> bool:
    """Whether ``uri`` names a Milvus server (else it is a Milvus Lite data directory)."""
    return uri.startswith(("http://", "https://", "tcp://", "unix:"))


def connect(uri: str, token: str = "") -> Any:
    """A ``pymilvus.MilvusClient`` for ``uri`` (a Milvus Lite path ending in ``.db``, or a server URL)."""
    try:
        from pymilvus import MilvusClient
    except ImportError as exc:  # pragma: no cover - the package is a dependency
        raise RuntimeError('the milvus backend needs pymilvus and milvus-lite: pip install pymilvus milvus-lite') \
            from exc
    if not is_server(uri):
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
        # Milvus Lite serves in this process and logs, as errors, calls of pymilvus it does not implement
        # and answers without (a timestamp while an index is created): they are not ours to report
        logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
    try:
        return MilvusClient(uri=uri, token=token) if token else MilvusClient(uri=uri)
    except Exception as exc:
        raise RuntimeError(f"cannot reach Milvus at {uri}: {exc}. Check that the server runs and the URI is "
                           f"right (--milvus-uri / POLICYQA_MILVUS_URI), or leave it empty for Milvus Lite "
                           f"in the index directory") from exc


def resolve_uri(index_dir: Path, uri: str) -> str:
    """Where an index's Milvus is: ``uri`` as given for a server, Milvus Lite in the index directory for
    ``""``; a relative Lite path is read from the index directory (the manifest stores it so)."""
    if not uri:
        uri = LITE_DIR
    if is_server(uri) or os.path.isabs(uri):
        return uri
    return str(Path(index_dir) / uri)


def alias_for(index_dir: Path) -> str:
    """The alias an index directory's live collection goes by: its name and a hash of its absolute
    path (two indexes on one Milvus server never share one).

    >>> alias_for(Path("/srv/policy index")).startswith("policyqa_policy_index_")
    True
    """
    resolved = str(Path(index_dir).resolve())
    name = re.sub(r"[^A-Za-z0-9_]", "_", Path(resolved).name)[:40]
    return f"policyqa_{name}_{hashlib.sha1(resolved.encode('utf-8')).hexdigest()[:8]}"


# what a manifest's ``bm25`` says of a collection whose BM25 scores as bm25s's (punctuation dropped, our k1 and b
# read by Milvus Lite too); collections built before it have none
BM25_FORM = "as-bm25s"


def collection_name(alias: str, version: str) -> str:
    return f"{alias}_{re.sub(r'[^A-Za-z0-9_]', '_', version)}"


def create_collection(client: Any, name: str, dim: int, analyzer: dict[str, Any]) -> None:
    """A new, empty collection ``name`` with the fields and indexes described in the module; ``analyzer``
    the text field's analyzer parameters (:meth:`index.tokenize.JiebaTokenizer.analyzer_params`)."""
    from pymilvus import DataType, Function, FunctionType

    schema = client.create_schema(auto_id=False, description="policyqa chunks")
    schema.add_field("vid", DataType.INT64, is_primary=True)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
    schema.add_field("text", DataType.VARCHAR, max_length=TEXT_MAX, enable_analyzer=True, analyzer_params=analyzer)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    for field in ("doc_id", "kind", "source", "doc_type", "region", "status", "language", "jurisdiction",
                  "date", "date_end"):
        schema.add_field(field, DataType.VARCHAR, max_length=FIELD_MAX)
    schema.add_field("issuers", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=ISSUERS_MAX,
                     max_length=FIELD_MAX)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["text"],
                                 output_field_names=["sparse"]))
    params = client.prepare_index_params()
    params.add_index("dense", index_type="FLAT", metric_type="IP")
    # a server reads k1 and b as keys of their own; Milvus Lite 3.2 only under "params" (pymilvus sends both)
    bm25 = {"bm25_k1": K1, "bm25_b": B}
    params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params={**bm25, "params": bm25})
    if client.has_collection(name):
        client.drop_collection(name)
    client.create_collection(name, schema=schema, index_params=params)


def _clip(value: Any) -> str:
    text = "" if value is None else str(value)
    while len(text.encode("utf-8")) > FIELD_MAX:
        text = text[: len(text) * 3 // 4]
    return text


def document_scalars(doc: Document) -> dict[str, Any]:
    """The scalar fields every chunk of ``doc`` carries (a missing value is ``""``)."""
    meta = doc.metadata or {}
    date = filing_date(meta) or ""
    return {
        "doc_id": _clip(doc.id), "kind": _clip(doc.kind), "source": _clip(doc.source),
        "doc_type": _clip(meta.get("doc_type")), "region": _clip(meta.get("region")),
        "status": _clip(meta.get("status")), "language": _clip(meta.get("language")),
        "jurisdiction": _clip(meta.get("jurisdiction")), "date": date,
        "date_end": filing_date_end(date) if date else "",
        "issuers": [_clip(i) for i in (meta.get("issuers") or [])][:ISSUERS_MAX],
    }


def chunk_rows(chunks: Sequence[Chunk], documents: Sequence[Document], vectors: np.ndarray,
               vids: np.ndarray) -> Iterator[dict[str, Any]]:
    """The collection's row for each chunk: its vector id, vector, text and its document's scalars."""
    scalars = {d.id: document_scalars(d) for d in documents}
    for chunk, vec, vid in zip(chunks, vectors, np.asarray(vids).tolist()):
        if chunk.doc_id not in scalars:
            raise ValueError(f"chunk {chunk.id} belongs to no indexed document ({chunk.doc_id})")
        text = JiebaTokenizer.fold(chunk.index_text)
        while len(text.encode("utf-8")) > TEXT_MAX:
            text = text[: len(text) * 3 // 4]
        yield {"vid": int(vid), "dense": np.asarray(vec, dtype=np.float32).tolist(), "text": text,
               **scalars[chunk.doc_id]}


def upsert(client: Any, collection: str, rows: Iterator[dict[str, Any]], batch: int = INSERT_BATCH) -> int:
    """Write ``rows`` in batches (an upsert: a row of an existing vector id replaces it); the count."""
    n = 0
    buf: list[dict[str, Any]] = []
    for row in rows:
        buf.append(row)
        if len(buf) >= batch:
            client.upsert(collection, buf)
            n, buf = n + len(buf), []
    if buf:
        client.upsert(collection, buf)
        n += len(buf)
    return n


def delete_vids(client: Any, collection: str, vids: np.ndarray, batch: int = 10_000) -> None:
    """Delete the rows of vector ids ``vids``."""
    ids = [int(v) for v in vids]
    for i in range(0, len(ids), batch):
        client.delete(collection, ids=ids[i:i + batch])


def live_collection(client: Any, alias: str) -> str | None:
    """The collection ``alias`` points at (None before the first build made it)."""
    if alias not in (client.list_aliases() or {}).get("aliases", []):
        return None
    return client.describe_alias(alias).get("collection_name")


def make_live(client: Any, alias: str, collection: str) -> None:
    """Point ``alias`` at ``collection`` in one step (created the first time)."""
    current = live_collection(client, alias)
    if current is None:
        client.create_alias(collection, alias)
    elif current != collection:
        client.alter_alias(collection, alias)
    log.info("milvus alias %s → %s", alias, collection)


def drop_unused(client: Any, alias: str, keep: set[str]) -> list[str]:
    """Drop this index's collections (``<alias>_…``) that no kept version names; the names dropped."""
    live = live_collection(client, alias)
    dropped = []
    for name in client.list_collections():
        if name.startswith(alias + "_") and name not in keep and name != live:
            client.drop_collection(name)
            dropped.append(name)
    return dropped


def write_build(index_dir: Path, uri: str, token: str, chunks: Sequence[Chunk], documents: Sequence[Document],
                vectors: np.ndarray, vids: np.ndarray, tokenizer: JiebaTokenizer) -> dict[str, Any]:
    """A new collection holding a build's chunks (not yet live), its text read by a Milvus jieba analyzer
    set up as ``tokenizer`` segments; what the manifest records of it."""
    import time
    import uuid

    alias = alias_for(index_dir)
    name = collection_name(alias, time.strftime("v%Y%m%dT%H%M%S") + uuid.uuid4().hex[:6])
    client = connect(resolve_uri(index_dir, uri), token)
    create_collection(client, name, int(vectors.shape[1]), tokenizer.analyzer_params())
    try:
        n = upsert(client, name, chunk_rows(chunks, documents, vectors, vids))
        client.flush(name)
    except BaseException:
        client.drop_collection(name)
        raise
    log.info("milvus collection %s: %d rows", name, n)
    return {"name": "milvus", "uri": uri, "collection": name, "alias": alias, "bm25": BM25_FORM}


def settle(index_dir: Path, info: dict[str, Any], token: str, live: bool) -> None:
    """After an index version naming collection ``info`` was written: make it live under the alias
    (``live``), and drop this index's collections that no kept version names. A version that failed
    to be written (``live`` False) has its collection dropped."""
    from ..store import kept_manifests

    client = connect(resolve_uri(index_dir, str(info.get("uri") or "")), token)
    if live:
        make_live(client, str(info["alias"]), str(info["collection"]))
    keep = {str((m.get("backend") or {}).get("collection")) for m in kept_manifests(index_dir)}
    dropped = drop_unused(client, str(info["alias"]), keep)
    if dropped:
        log.info("milvus collections dropped: %s", ", ".join(dropped))


def scalars_changed(before: Sequence[Document], after: Sequence[Document]) -> set[str]:
    """Ids of documents in both whose scalar fields differ (an update relinks the whole corpus: a
    new document can repeal an old one, and the old one's status changes)."""
    old = {d.id: document_scalars(d) for d in before}
    return {d.id for d in after if d.id in old and old[d.id] != document_scalars(d)}


def update_rows(index_dir: Path, info: dict[str, Any], token: str, documents: Sequence[Document],
                added: Sequence[Chunk], vectors: np.ndarray, vids: np.ndarray,
                restamp: Sequence[tuple[Chunk, int]]) -> None:
    """An update's writes before its version is made live: the new chunks' rows, and the rows of kept
    chunks whose document's scalars changed (``restamp``: chunk and vector id), rewritten with the
    vectors the collection holds. Both are upserts, so a retried update writes the same rows."""
    client = connect(resolve_uri(index_dir, str(info.get("uri") or "")), token)
    collection = str(info["collection"])
    upsert(client, collection, chunk_rows(added, documents, vectors, vids))
    for i in range(0, len(restamp), INSERT_BATCH):
        part = restamp[i:i + INSERT_BATCH]
        got = {int(g["vid"]): g["dense"] for g in client.get(collection, ids=[v for _, v in part],
                                                               output_fields=["dense"])}
        missing = [v for _, v in part if v not in got]
        if missing:
            raise RuntimeError(f"Milvus collection {collection} lacks {len(missing)} rows of this index "
                               f"(vector ids {missing[:5]}…); rebuild it with: policyqa build --backend milvus")
        upsert(client, collection, chunk_rows([c for c, _ in part], documents,
                                              np.asarray([got[v] for _, v in part], dtype=np.float32),
                                              np.asarray([v for _, v in part], dtype=np.int64)))
    client.flush(collection)


def delete_rows(index_dir: Path, info: dict[str, Any], token: str, vids: np.ndarray) -> None:
    """An update's removed rows, deleted once its version is live (readers of the old version skip
    what they cannot find; nothing reads a removed row after)."""
    if len(vids):
        client = connect(resolve_uri(index_dir, str(info.get("uri") or "")), token)
        delete_vids(client, str(info["collection"]), vids)
        client.flush(str(info["collection"]))
