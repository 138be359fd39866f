"""``policyqa ask``: one answer with its citations, context clauses and related clauses."""

from __future__ import annotations

import argparse
from typing import Any

from .common import print_json, settings_from_args


def print_quoted(head: str, q: Any) -> None:
    """A citation or context clause: its heading, where it is, and the quote."""
    page = f" 第{q.page}页" if q.page else ""
    print(f"{head}  ({q.source}:{q.start}-{q.end}{page})")
    print(f"    「{q.quote}」")


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer a question with cited clauses (``--json``: the answer as one object)."""
    from qa.engine import PolicyQA

    settings = settings_from_args(args)
    engine = PolicyQA.open(settings=settings)
    answer = engine.ask(args.question, k=args.k)
    if args.json:
        print_json(answer.to_dict())
        return 0
    print(answer.answer)
    for w in answer.warnings:
        print(f"⚠ {w}")
    if answer.citations:
        print("\n引用：")
        for c in answer.citations:
            print_quoted(f"[{c.marker}] {c.clause}", c)
    if answer.context:
        print("\n所引条款提到的条款：")
        for x in answer.context:
            print_quoted(f"[{x.marker}] {x.ref} → {x.clause}", x)
    if answer.related:
        print("\n相关条款：")
        for r in answer.related:
            print(f"  - {r.clause}")
    print(f"\n({answer.latency_ms:.0f} ms)")
    return 0
