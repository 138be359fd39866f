"""The human-readable side of an evaluation: a stdout table, ``report.md`` and its PNG plots.

Plot labels are English only: the fonts available to matplotlib may lack Chinese glyphs.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .metrics import FIGURES, MAX_K, RATE_METRICS, UNANSWERABLE

log = logging.getLogger(__name__)

PER_TYPE_PLOTTED = ("evidence_recall@5", "mrr@10", "key_fact_accuracy", "citation_precision")
HISTORY_PLOTTED = ("evidence_recall@5", "mrr@10", "key_fact_accuracy", "citation_precision",
                   "abstention_accuracy", "false_abstention_rate")
LISTED_FAILURES = 12


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) <= 1 else f"{value:.1f}"
    return str(value)


def _ratio(ours: Any, base: Any) -> str:
    if isinstance(ours, int) and isinstance(base, int):  # counts, not figures to compare
        return "—"
    if not isinstance(ours, (int, float)) or not isinstance(base, (int, float)) or base == 0:
        return "—"
    return f"{ours / base:.2f}"


def _baseline(metrics: dict[str, Any]) -> dict[str, Any] | None:
    return (metrics.get("baseline") or {}).get("naive")


def format_table(metrics: dict[str, Any]) -> str:
    """A compact plain-text table of the overall figures (ours, and the baseline when present)."""
    base = _baseline(metrics)
    head = f"{'metric':<24}{'ours':>10}" + (f"{'naive':>10}{'ratio':>8}" if base else "")
    lines = [head, "-" * len(head)]
    for k in FIGURES:
        line = f"{k:<24}{_fmt(metrics.get(k)):>10}"
        if base:
            line += f"{_fmt(base.get(k)):>10}{_ratio(metrics.get(k), base.get(k)):>8}"
        lines.append(line)
    lines.append("")
    cols = ("n", "evidence_recall@5", "mrr@10", "key_fact_accuracy", "citation_precision", "abstention_accuracy")
    short = ("n", "R@5", "MRR", "facts", "cite_P", "abstain")
    lines.append(f"{'type':<14}" + "".join(f"{s:>9}" for s in short))
    for t, f in metrics["by_type"].items():
        lines.append(f"{t:<14}" + "".join(f"{_fmt(f.get(c)):>9}" for c in cols))
    return "\n".join(lines)


# -- plots --------------------------------------------------------------------------------------

def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_recall_curve(metrics: dict[str, Any], path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    ks = list(range(1, MAX_K + 1))
    series = [("ours", metrics)] + ([("naive baseline", _baseline(metrics))] if _baseline(metrics) else [])
    for name, m in series:
        ys = [float("nan") if v is None else v for v in m["evidence_recall_curve"]]
        ax.plot(ks, ys, marker="o", label=name)
    ax.set_xlabel("k (retrieved chunks)")
    ax.set_ylabel("evidence recall@k")
    ax.set_xticks(ks)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title("Evidence recall@k (answerable questions)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _bars(ax, groups: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]]) -> None:
    width = 0.8 / max(1, len(series))
    for i, (name, values) in enumerate(series):
        xs = [j + (i - (len(series) - 1) / 2) * width for j in range(len(groups))]
        ax.bar(xs, [0.0 if v is None else v for v in values], width=width, label=name)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(groups, rotation=20, ha="right")
    ax.set_ylim(0, 1.05)
    ax.grid(axis="y", alpha=0.3)


def plot_by_type(metrics: dict[str, Any], path: Path) -> None:
    plt = _pyplot()
    base = _baseline(metrics)
    types = [t for t, f in metrics["by_type"].items() if f["n_answerable"]]
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    for ax, metric in zip(axes.flat, PER_TYPE_PLOTTED):
        series = [("ours", [metrics["by_type"][t][metric] for t in types])]
        if base:
            series.append(("naive baseline", [base["by_type"].get(t, {}).get(metric) for t in types]))
        _bars(ax, types, series)
        ax.set_title(metric)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", ncol=len(labels))
    fig.suptitle("By question type (answerable types)")
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_overall(metrics: dict[str, Any], path: Path) -> None:
    plt = _pyplot()
    base = _baseline(metrics)
    names = list(RATE_METRICS)
    fig, ax = plt.subplots(figsize=(10, 4.5))
    series = [("ours", [metrics[k] for k in names])]
    if base:
        series.append(("naive baseline", [base[k] for k in names]))
    _bars(ax, names, series)
    ax.legend()
    ax.set_title("Overall rates: ours vs the naive baseline" if base else "Overall rates")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def read_history(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def plot_history(rows: list[dict[str, str]], path: Path, questions: str) -> bool:
    """Metrics over runs for ``questions`` (all rows when none match); False when nothing to plot."""
    mine = [r for r in rows if r.get("questions_file") == questions] or rows
    if not mine:
        return False
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    xs = list(range(len(mine)))
    for metric in HISTORY_PLOTTED:
        ys = [float(r[metric]) if r.get(metric) not in (None, "") else float("nan") for r in mine]
        ax.plot(xs, ys, marker="o", label=metric)
    ax.set_xticks(xs)
    ax.set_xticklabels([f"{r.get('date', '')[:10]}\n{r.get('commit', '')}" for r in mine], fontsize=7)
    ax.set_ylim(0, 1.05)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower left")
    ax.set_title("History")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


# -- report.md ----------------------------------------------------------------------------------

def _failures(rows: Sequence[dict[str, Any]], skip: Sequence[str] = ()) -> list[str]:
    kinds = [
        ("no evidence in the top 10", lambda r: r["pass"]["evidence_recall@10"] is False),
        ("key facts missing from the answer", lambda r: r["pass"]["key_fact_accuracy"] is False),
        ("false abstention", lambda r: r["pass"]["false_abstention_rate"] is False),
        ("unanswerable but answered", lambda r: r["pass"]["abstention_accuracy"] is False),
        ("a citation outside the evidence", lambda r: r["pass"]["citation_precision"] is False),
    ]
    out = []
    for title, test in kinds:
        if title in skip:
            continue
        bad = [r for r in rows if test(r)]
        if not bad:
            continue
        by_type: dict[str, int] = {}
        for r in bad:
            by_type[r["type"]] = by_type.get(r["type"], 0) + 1
        counts = ", ".join(f"{t} {n}" for t, n in by_type.items())
        out.append(f"**{title}**: {len(bad)} ({counts})\n")
        for r in bad[:LISTED_FAILURES]:
            q = r["question"].replace("\n", " ").replace("|", "/")
            stale = ", stale gold" if r.get("stale_gold") else ""
            out.append(f"- `{r['id']}` ({r['type']}{stale}) {q[:70]}")
        if len(bad) > LISTED_FAILURES:
            out.append(f"- … {len(bad) - LISTED_FAILURES} more in results.jsonl")
        out.append("")
    return out


def write_report(out_dir: Path, metrics: dict[str, Any], rows: Sequence[dict[str, Any]],
                 baseline_rows: Sequence[dict[str, Any]] = (), history: Path | None = None) -> Path:
    """Write ``report.md`` and its plots into ``out_dir``; return the report's path."""
    base = _baseline(metrics)
    meta = metrics.get("meta", {})
    plots = {"recall_at_k.png": plot_recall_curve, "by_type.png": plot_by_type, "overall.png": plot_overall}
    for name, fn in plots.items():
        fn(metrics, out_dir / name)
    lines = [
        "# Evaluation report", "",
        f"- questions: `{meta.get('questions', '?')}` ({metrics['n']} questions, {metrics['n_answerable']} answerable)",
        f"- index: `{meta.get('index', '?')}`, embedder `{meta.get('embedder', '?')}`",
        f"- commit `{meta.get('commit', '?')}`, {meta.get('date', '?')}; ours took {metrics.get('elapsed_s', '?')} s"
        + (f", the baseline {base.get('elapsed_s')} s (+{base.get('build_s')} s to build)" if base else ""),
        "",
        "## Metrics", "",
    ]
    if base:
        lines += ["| metric | ours | naive baseline | ours / baseline |", "|---|---:|---:|---:|"]
        lines += [f"| {k} | {_fmt(metrics[k])} | {_fmt(base.get(k))} | {_ratio(metrics[k], base.get(k))} |"
                  for k in FIGURES]
    else:
        lines += ["| metric | ours |", "|---|---:|"] + [f"| {k} | {_fmt(metrics[k])} |" for k in FIGURES]
    stale = metrics.get("n_stale_gold", 0)
    if stale:
        cur = metrics["current_gold"]
        lines += ["", f"{stale} answerable questions have a stale gold: their evidence lies only in documents this "
                  "index marks superseded (it holds a later version of them, or a text repealing them), so a "
                  "current answer may rightly cite other words. On the other "
                  f"{cur['n_answerable']}: evidence recall@1 {_fmt(cur['evidence_recall@1'])}, "
                  f"key facts {_fmt(cur['key_fact_accuracy'])}."]
    lines += ["", "## By question type", "",
              "Cells show ours" + (" (naive baseline)." if base else "."), ""]
    cols = [k for k in FIGURES if k != "n_answerable"]
    lines += ["| type | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols)]
    for t, f in metrics["by_type"].items():
        b = base["by_type"].get(t, {}) if base else {}
        cells = [_fmt(f[c]) + (f" ({_fmt(b.get(c))})" if base and c != "n" else "") for c in cols]
        lines.append(f"| {t} | " + " | ".join(cells) + " |")
    lines += ["", "## Plots", "",
              "![recall@k](recall_at_k.png)", "", "![by type](by_type.png)", "", "![overall](overall.png)", ""]
    if history is not None:
        try:
            if plot_history(read_history(history), out_dir / "history.png", meta.get("questions", "")):
                lines += ["## History", "", f"From `{history}`.", "", "![history](history.png)", ""]
        except (OSError, KeyError, ValueError) as exc:
            log.warning("cannot plot history %s: %s", history, exc)
    lines += ["## Failures (ours)", ""] + (_failures(rows) or ["None.", ""])
    if baseline_rows:
        unanswerable = sum(1 for r in baseline_rows if r["type"] == UNANSWERABLE)
        lines += ["## Failures (naive baseline)", "",
                  f"The baseline never abstains, so its {unanswerable} unanswerable questions all count as answered.",
                  ""] + _failures(baseline_rows, skip=("unanswerable but answered",))
    path = out_dir / "report.md"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path
