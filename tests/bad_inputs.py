"""A generator of bad (and oddly good) input files for ingest: over 200 cases across empty,
truncated and garbage PDFs, image-only PDFs, misnamed binaries, encodings, NUL bytes, huge files
and lines, broken .docx and .html, odd file names and special files.

Each :class:`Case` writes its file into a folder and says what a build must do with it:
``error`` (skip it with a reason and a fix), ``accept`` (index it; ``contains`` is text its source
must hold — the oracle that nothing was read as mojibake), or ``either`` (both are right, as long
as the file is neither silently skipped nor a crash). Real files come from the bundled corpus
and ``../shared/pdfs``; the rest is built here.
"""

from __future__ import annotations

import gzip
import io
import os
import random
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SHARED_PDFS = ROOT.parent / "shared" / "pdfs"

# a statute's opening, written here (not copied from a question set): several articles, one per line
LAW = ("中华人民共和国示例管理法\n\n第一条 为了规范示例数据处理活动，保障数据安全，制定本法。\n"
       "第二条 在中华人民共和国境内开展数据处理活动及其安全监管，适用本法。\n"
       "第三条 国家网信部门负责统筹协调数据安全和相关监管工作。\n"
       "第四条 数据处理者应当建立健全全流程数据安全管理制度，组织开展数据安全教育培训。\n")
LAW_TRAD = ("中華人民共和國示例管理法\n\n第一條 為了規範示例數據處理活動，保障數據安全，制定本法。\n"
            "第二條 在中華人民共和國境內開展數據處理活動及其安全監管，適用本法。\n")
JAPANESE = "個人情報保護法\n\n第一条 この法律は、個人情報の適正な取扱いに関し、基本理念を定める。\n第二条 この法律において個人情報とは、生存する個人に関する情報をいう。\n"
KOREAN = "개인정보 보호법\n\n제1조 이 법은 개인정보의 처리 및 보호에 관한 사항을 정한다.\n제2조 이 법에서 사용하는 용어의 뜻은 다음과 같다.\n"

Make = Callable[[Path], Path]


@dataclass(frozen=True)
class Case:
    """One input: its id, category, how to write it, and what a build must do with it."""

    id: str
    category: str
    make: Make
    expect: str  # "error" | "accept" | "either"
    contains: str = ""  # for an accepted file: text its source must hold


def _write(name: str | bytes, data: bytes) -> Make:
    def make(folder: Path) -> Path:
        path = Path(os.fsdecode(os.path.join(os.fsencode(folder), name if isinstance(name, bytes) else name.encode())))
        path.write_bytes(data)
        return path
    return make


def _noise(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def _png() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1, 1))
    ax.imshow([[0, 1], [1, 0]])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _matplotlib_pdf(pages: int, text: str | None, size: tuple[float, float] = (8.27, 11.69)) -> bytes:
    """A PDF of ``pages`` pages, each an image (``text`` None) or one ASCII line of text."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    buf = io.BytesIO()
    with PdfPages(buf) as pdf:
        for i in range(pages):
            fig = plt.figure(figsize=size)
            if text is None:
                fig.figimage([[0.0, 1.0], [1.0, 0.0]], resize=False)
            else:
                fig.text(0.1, 0.5, f"{text} {i + 1}")
            pdf.savefig(fig)
            plt.close(fig)
    return buf.getvalue()


def _pdf_of_runs(runs: int, inches: int = 200) -> bytes:
    """A one-page PDF of ``inches`` square holding ``runs`` separate text runs at random places,
    written object by object (the shape that made a reader take minutes and gigabytes)."""
    rng = random.Random(runs)
    points = inches * 72
    content = "\n".join(f"BT /F1 8 Tf {rng.uniform(0, points):.1f} {rng.uniform(0, points):.1f} Td (a{i % 10}) Tj ET"
                        for i in range(runs)).encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {points} {points}] "
               "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".encode(),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def _docx(paragraphs: list[str]) -> bytes:
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _real_pdf() -> bytes | None:
    pdfs = sorted(SHARED_PDFS.glob("*.pdf")) if SHARED_PDFS.is_dir() else []
    return min(pdfs, key=lambda p: p.stat().st_size).read_bytes() if pdfs else None


def _special(kind: str) -> Make:
    def make(folder: Path) -> Path:
        path = folder / f"special-{kind}.txt"
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "zero":
            path.symlink_to("/dev/zero")
        elif kind == "urandom":
            path.symlink_to("/dev/urandom")
        elif kind == "dangling":
            path.symlink_to(folder / "no-such-target.txt")
        elif kind == "loop":
            path.symlink_to(path)
        elif kind == "sparse":  # 60 MB of nothing, made without writing it
            with open(path, "wb") as f:
                f.truncate(60 * 1024 * 1024)
        elif kind == "good-link":  # a link to a good file outside the folder
            target = folder.parent / f"{folder.name}-link-target.md"
            target.write_text(LAW.replace("示例", "链接"), encoding="utf-8")
            path.symlink_to(target)
        elif kind == "same-file-link":  # a second name for a file in the same folder: read once
            target = folder / "link-target.md"
            target.write_text(LAW.replace("示例", "链接"), encoding="utf-8")
            path.symlink_to(target)
        return path
    return make


def cases() -> list[Case]:
    """Every case, in a stable order; ids are unique and usable as file names' stems."""
    out = list(_text_cases()) + list(_pdf_cases()) + list(_docx_cases()) + list(_html_cases())
    out += list(_name_cases()) + list(_special_cases())
    ids = [c.id for c in out]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return out


def _text_cases() -> Iterator[Case]:
    law = LAW.encode("utf-8")
    for ext in (".txt", ".md"):
        e = ext[1:]
        bad: dict[str, bytes] = {
            "empty": b"", "blanks": b" \n\t\n  ", "bom-only": b"\xef\xbb\xbf", "nul-only": b"\x00" * 4096,
            "control-only": bytes(range(1, 9)) * 50, "utf16-bom-only": b"\xff\xfe",
            "bom-then-gbk": b"\xef\xbb\xbf" + LAW.encode("gbk"), "utf16-odd-bytes": b"\xff\xfe" + LAW.encode("utf-16-le") + b"\x00",
            "png": _png(), "zip": _zip({"a.txt": b"x"}), "gzip": gzip.compress(law), "elf": b"\x7fELF\x02\x01\x01" + _noise(4000, 7),
            "pdf-bytes": b"%PDF-1.4\n" + _noise(2000, 8), "one-line-60k": ("数据" * 30_000).encode(),
            "one-line-5mb": ("第一条数据处理" * 250_000).encode(), "title-only": "中华人民共和国示例法\n".encode(),
        }
        for seed in range(8):
            bad[f"noise-{seed}"] = _noise(3000 + seed * 1000, seed)
        for name, data in bad.items():
            yield Case(f"{e}-{name}", "text", _write(f"{e}-{name}{ext}", data), "error")
        good: dict[str, tuple[bytes, str]] = {
            "utf8": (law, "全流程数据安全管理制度"), "utf8-bom": (b"\xef\xbb\xbf" + law, "全流程数据安全管理制度"),
            "utf16-le-bom": (LAW.encode("utf-16"), "国家网信部门"), "utf16-be-bom": (b"\xfe\xff" + LAW.encode("utf-16-be"), "国家网信部门"),
            "utf16-le-nobom": (LAW.encode("utf-16-le"), "国家网信部门"), "utf16-be-nobom": (LAW.encode("utf-16-be"), "国家网信部门"),
            "gb18030": (LAW.encode("gb18030"), "数据处理者应当"), "gbk": (LAW.encode("gbk"), "数据处理者应当"),
            "big5": (LAW_TRAD.encode("big5"), "數據處理活動"), "hz": (LAW.encode("hz"), "数据处理者应当"),
            "utf7": (LAW.encode("utf-7"), "数据处理者应当"), "shift-jis": (JAPANESE.encode("shift_jis"), "個人情報の適正な取扱い"),
            "euc-kr": (KOREAN.encode("euc_kr"), "개인정보의 처리"), "crlf": (LAW.replace("\n", "\r\n").encode(), "统筹协调"),
            "cr-only": (LAW.replace("\n", "\r").encode(), "统筹协调"), "nul-sprinkled": (LAW.replace("，", "，\x00").encode(), "保障数据安全，制定"),
            "control-sprinkled": (LAW.replace("。", "。\x07\x1b").encode(), "制定本法。"),
            "many-lines": ((LAW + "".join(f"第{n}条 第{n}号事项依法办理。\n" for n in range(5, 20_005))).encode(), "第20004号事项"),
            "article-1000": (("示例法典\n\n" + "".join(f"第{n}条 事项{n}依法办理。\n" for n in range(1, 1300))).encode(), "事项1299"),
            "article-huge-number": ("示例法\n\n第一条 总则。\n第9999999999999999999999条 荒谬的编号。\n".encode(), "总则"),
            "articles-backwards": ("示例法\n\n第三条 甲。\n第二条 乙。\n第一条 丙。\n".encode(), "丙"),
            "front-matter": (b"---\ntitle: x\nissuer: y\n---\n" + law, "统筹协调"),
            "markdown-table": (("# 示例\n\n| 条 | 内容 |\n|---|---|\n" + "".join(f"| {n} | 内容{n} |\n" for n in range(300))).encode(), "内容299"),
        }
        for name, (data, contains) in good.items():
            yield Case(f"{e}-{name}", "text", _write(f"{e}-{name}{ext}", data), "accept", contains)
        either: dict[str, bytes] = {
            "mixed-utf8-gbk": LAW.encode("utf-8") + "第五条 以下为另一种编码的文字。\n".encode("gbk"),
            "utf32": LAW.encode("utf-32"), "latin1": "Règlement général sur la protection des données\n".encode("latin-1") * 20,
            "binary-tail": law + _noise(2000, 40)}
        for name, data in either.items():
            yield Case(f"{e}-{name}", "text", _write(f"{e}-{name}{ext}", data), "either")


def _pdf_cases() -> Iterator[Case]:
    real = _real_pdf()
    bad: dict[str, bytes] = {"empty": b"", "header-only": b"%PDF-1.7\n", "header-eof": b"%PDF-1.7\n%%EOF\n",
                             "png": _png(), "text": LAW.encode(), "zip": _zip({"a": b"b"}), "html": b"<html><body>x</body></html>",
                             "image-only": _matplotlib_pdf(2, None), "runs-200000": _pdf_of_runs(200_000)}
    for seed in range(8):
        bad[f"noise-{seed}"] = b"%PDF-1.5\n" + _noise(5000, 100 + seed)
    if real is not None:
        for share in (0.02, 0.1, 0.3):
            bad[f"truncated-{int(share * 100)}"] = real[: int(len(real) * share)]
        bad["no-trailer"] = real[: real.rfind(b"trailer")] if b"trailer" in real else real[:-200]
    for name, data in bad.items():
        yield Case(f"pdf-{name}", "pdf", _write(f"pdf-{name}.pdf", data), "error")
    either: dict[str, bytes] = {"ascii-pages-300": _matplotlib_pdf(300, "Page"),
                                "huge-page": _matplotlib_pdf(1, "Huge page", size=(200.0, 200.0)),
                                "runs-2000": _pdf_of_runs(2_000), "runs-40000": _pdf_of_runs(40_000)}
    if real is not None:
        for share in (0.5, 0.7, 0.9, 0.97):
            either[f"truncated-{int(share * 100)}"] = real[: int(len(real) * share)]
        for seed in range(3):  # a few bytes flipped in the middle
            data = bytearray(real)
            rng = random.Random(200 + seed)
            for _ in range(20):
                data[rng.randrange(len(data) // 4, len(data))] = rng.randrange(256)
            either[f"flipped-{seed}"] = bytes(data)
        either["garbage-appended"] = real + _noise(3000, 300)
    for name, data in either.items():
        yield Case(f"pdf-{name}", "pdf", _write(f"pdf-{name}.pdf", data), "either")
    if real is not None:
        yield Case("pdf-real", "pdf", _write("pdf-real.pdf", real), "accept", "网络")


def _docx_cases() -> Iterator[Case]:
    good = _docx(LAW.splitlines())
    bad: dict[str, bytes] = {"empty": b"", "text": LAW.encode(), "pdf": b"%PDF-1.4\n" + _noise(500, 9),
                             "zip-no-document": _zip({"[Content_Types].xml": b"<Types/>"}),
                             "zip-bad-xml": _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document><unclosed"}),
                             "zip-empty": _zip({}), "images-only": _docx([])}
    for seed in range(4):
        bad[f"noise-{seed}"] = _noise(4000, 11 + seed)
    for share in (0.1, 0.5, 0.9):
        bad[f"truncated-{int(share * 100)}"] = good[: int(len(good) * share)]
    for name, data in bad.items():
        yield Case(f"docx-{name}", "docx", _write(f"docx-{name}.docx", data), "error")
    yield Case("docx-good", "docx", _write("docx-good.docx", good), "accept", "全流程数据安全管理制度")
    yield Case("docx-upper-ext", "docx", _write("docx-upper-ext.DOCX", good), "accept", "全流程数据安全管理制度")
    yield Case("docx-one-huge-paragraph", "docx", _write("docx-one-huge-paragraph.docx", _docx(["数据" * 200_000])), "either")


def _html_cases() -> Iterator[Case]:
    body = "".join(f"<p>{line}</p>" for line in LAW.splitlines() if line)
    bad: dict[str, bytes] = {"empty": b"", "script-only": b"<html><script>var a=1;</script></html>",
                             "png": _png(), "tags-only": b"<html><body><div></div></body></html>"}
    for seed in range(4):
        bad[f"noise-{seed}"] = _noise(3000, 20 + seed)
    for name, data in bad.items():
        yield Case(f"html-{name}", "html", _write(f"html-{name}.html", data), "error")
    good: dict[str, tuple[bytes, str]] = {
        "plain": (f"<html><head><title>示例</title></head><body>{body}</body></html>".encode(), "统筹协调"),
        "unclosed": (("<html><body><div>" + "".join(f"<p>{line}" for line in LAW.splitlines())).encode(), "统筹协调"),
        "charset-lie": (f'<html><head><meta charset="gbk"></head><body>{body}</body></html>'.encode(), "统筹协调"),
        "big5-declared": (('<html><head><meta charset="big5"></head><body>'
                           + "".join(f"<p>{line}</p>" for line in LAW_TRAD.splitlines()) + "</body></html>").encode("big5"),
                          "數據處理活動"),
        "deep-nesting": (("<div>" * 5000 + body + "</div>" * 5000).encode(), "统筹协调"),
        "entities": (("<p>" + "&amp;" * 20000 + "</p>" + body).encode(), "统筹协调"),
        "htm-ext": (f"<html><body>{body}</body></html>".encode(), "统筹协调"),
    }
    for name, (data, contains) in good.items():
        ext = ".htm" if name == "htm-ext" else ".html"
        yield Case(f"html-{name}", "html", _write(f"html-{name}{ext}", data), "accept", contains)


def _name_cases() -> Iterator[Case]:
    law = LAW.encode()
    accepted = {"spaces": "name with spaces.txt", "leading-dash": "-leading-dash.txt", "rtl": "rtl-\u202etxt.exe.txt",
                "long": "长" * 80 + ".txt", "emoji": "emoji-📄.txt", "fullwidth": "全角（文件）名.txt",
                "format-chars": "fmt-%s-{0}-$HOME.txt", "quotes": "quote-'\"-name.txt", "hash": "hash-#1.txt",
                "upper-ext": "UPPER.TXT", "double-ext": "archive.tar.txt", "brackets": "[draft](v2).md",
                "newline": "new\nline.txt", "tab": "tab\tname.txt", "long-ascii": "a" * 240 + ".txt",
                "space-stem": " .txt"}
    for key, name in accepted.items():
        yield Case(f"name-{key}", "name", _write(name, law), "accept", "统筹协调")
    errors: dict[str, str | bytes] = {"invalid-utf8": b"bad-\xff\xfe-utf8.txt", "trailing-dot": "trailing-dot.txt.",
                                      "trailing-space": "trailing-space.txt ", "hidden": ".hidden.txt",
                                      "no-extension": "no-extension", "doc": "通知.doc", "wps": "通知.wps",
                                      "xlsx": "表.xlsx", "pdf-named-txt-pdf": "text.txt.pdf", "exe": "tool.exe",
                                      "readme-by-design": "README.md", "fullwidth-ext": "文件.ＴＸＴ"}
    for key, name in errors.items():
        yield Case(f"name-{key}", "name", _write(name, law), "error")


def _special_cases() -> Iterator[Case]:
    for kind in ("fifo", "zero", "urandom", "dangling", "loop", "sparse"):
        yield Case(f"special-{kind}", "special", _special(kind), "error")
    yield Case("special-good-link", "special", _special("good-link"), "accept", "统筹协调")
    yield Case("special-same-file-link", "special", _special("same-file-link"), "either")


def report() -> dict[str, Counter]:
    """Run every case through parse (each in a folder of its own) and count the outcomes per category:
    tried / clear error / accepted / crash / hang / silent (found and neither read nor said)."""
    import tempfile

    from ingest.budget import BudgetedParser, FileBudget
    from ingest.loaders import discover, display_path
    from ingest.pipeline import read_and_parse

    table: dict[str, Counter] = {}
    with BudgetedParser(FileBudget(seconds=90)) as parser, tempfile.TemporaryDirectory() as tmp:
        for i, case in enumerate(cases()):
            folder = Path(tmp) / str(i)
            folder.mkdir()
            path = display_path(case.make(folder))
            files, errors = discover([folder])
            parsed, problems = read_and_parse([(f, display_path(f)) for f in files], parser=parser)
            said = {p.source: p for p in [e.problem for e in errors] + problems}
            row = table.setdefault(case.category, Counter())
            row["tried"] += 1
            if any(s.path == path for s, _ in parsed):
                row["accepted"] += 1
            elif path not in said:
                row["silent"] += 1
            elif "time budget" in said[path].reason:
                row["hang"] += 1
            elif "report this file as a bug" in said[path].fix:
                row["crash"] += 1
            else:
                row["clear error"] += 1
    return table


if __name__ == "__main__":
    import sys

    rows = report()
    cols = ["tried", "clear error", "accepted", "crash", "hang", "silent"]
    print("| category | " + " | ".join(cols) + " |\n|---|" + "---|" * len(cols))
    for name, row in [*rows.items(), ("all", sum(rows.values(), Counter()))]:
        print(f"| {name} | " + " | ".join(str(row[c]) for c in cols) + " |")
    sys.exit(0)
