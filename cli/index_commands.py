"""Commands on the index and its files: build, add, remove, corpus, parse."""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from .common import LOGGER, print_json, print_update, settings_from_args, update_progress

log = logging.getLogger(LOGGER)


def cmd_build(args: argparse.Namespace) -> int:
    """Ingest files (default: the bundled corpus) and build the index; prints counts and stage times."""
    from index.distributed import RayUnavailable
    from qa.engine import PolicyQA

    settings = settings_from_args(args)
    if args.max_chars:
        settings = settings.override(chunk_max_chars=args.max_chars)
    paths = args.paths or [str(settings.corpus_dir)]
    if args.ray not in (None, "local") and Path(args.ray).exists():  # `build --ray corpus`: corpus is no address
        log.error("--ray took %r as a Ray address: give the paths before --ray, or --ray=ADDRESS", args.ray)
        return 2
    t0 = time.perf_counter()
    try:
        engine = PolicyQA.build(paths, settings=settings)
    except RayUnavailable as exc:  # --ray without Ray, or an address no cluster answers at
        log.error("%s", exc)
        return 2
    report = engine.report
    assert report is not None
    print(report.summary())
    print(f"total {time.perf_counter() - t0:.1f}s")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    """Add files to the index (one that would replace indexed documents only with --replace or --keep-both)."""
    from index.cache import EmbeddingCache
    from index.embedders import make_embedder
    from index.update import add_documents

    settings = settings_from_args(args)
    embedder = make_embedder(settings.embedder, precision=settings.embed_precision)
    cache = EmbeddingCache(Path(settings.cache_dir) / "embeddings.sqlite")
    progress, bar = update_progress(settings, args.json)
    try:
        on_conflict = "replace" if args.replace else "keep" if args.keep_both else "ask"
        report = add_documents(settings.index_dir, args.files, embedder, cache, progress=progress,
                               on_conflict=on_conflict, milvus_token=settings.milvus_token())
    finally:
        cache.close()
        if bar is not None:
            bar.close()
    return print_update(report, args.json)


def cmd_remove(args: argparse.Namespace) -> int:
    """Remove documents from the index by id (their copies in other files are indexed again)."""
    from index.cache import EmbeddingCache
    from index.embedders import make_embedder
    from index.update import remove_documents

    settings = settings_from_args(args)
    cache = EmbeddingCache(Path(settings.cache_dir) / "embeddings.sqlite")
    try:
        embedder = make_embedder(settings.embedder, precision=settings.embed_precision)
        report = remove_documents(settings.index_dir, args.doc_ids, embedder=embedder, cache=cache,
                                  milvus_token=settings.milvus_token())
    finally:
        cache.close()
    return print_update(report, args.json)


def cmd_parse(args: argparse.Namespace) -> int:
    """The documents and clauses found in files (no index needed)."""
    from ingest.budget import FileBudget
    from ingest.loaders import discover, display_path
    from ingest.pipeline import link_documents, read_and_parse

    files, errors = discover(args.files)
    for e in errors:
        (log.info if e.problem.by_design else log.error)("%s", e.problem)
    failed = sum(not e.problem.by_design for e in errors)
    parsed, problems = read_and_parse([(f, display_path(f)) for f in files], FileBudget())  # each logged
    failed += len(problems)
    # each document's metadata (issuers, 文号, dates, type, region, status, jurisdiction, language…),
    # read over the files given together, as a build reads it over the corpus
    sources = {src.path: src for src, _ in parsed}
    link_documents([doc for _, docs in parsed for doc in docs], sources)
    out = []
    for _, docs in parsed:
        for doc in docs:
            d = doc.to_dict(with_clauses=True)
            out.append({"title": d["title"], "source": d["source"], "metadata": {**d["metadata"], "kind": d["kind"],
                        "line_start": d["line_start"], "line_end": d["line_end"]},
                        "clauses": [{k: c[k] for k in ("id", "label", "path", "text", "page")} for c in d["clauses"]]})
    if args.json:
        print_json(out)
    else:
        for d in out:
            print(f"{d['title']}  ({d['source']}, {len(d['clauses'])} clauses)")
    return 1 if failed and not out else 0


def cmd_corpus(args: argparse.Namespace) -> int:
    """The documents in an index, one line each (or JSON)."""
    from index.store import load_index

    settings = settings_from_args(args)
    data = load_index(settings.index_dir)
    rows = [
        {"id": d.id, "title": d.title, "kind": d.kind, "source": d.source, "line_start": d.line_start,
         "line_end": d.line_end, "chars": d.end - d.start, "clauses": len(d.clauses), "aliases": d.aliases,
         "metadata": d.metadata}
        for d in data.documents
    ]
    if args.json:
        print_json(rows)
    else:
        for r in rows:
            alias = f"  (+{len(r['aliases'])} copies)" if r["aliases"] else ""
            meta = r["metadata"]
            kind = meta.get("doc_type") or r["kind"]
            print(f"{kind:6}\t{r['chars']:7d}\t{r['source']}:{r['line_start']}-{r['line_end']}\t{r['title']}{alias}")
        print(f"{len(rows)} documents")
    return 0
