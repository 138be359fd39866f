import codecs
from pathlib import Path

import pytest

from ingest.encoding import decode_text
from ingest.loaders import discover, read_source
from ingest.plaintext import read_text
from ingest.types import IngestError

TEXT = "第一条 为了规范数据处理活动，保障数据安全。\n第二条 本法所称数据。\n"


@pytest.mark.parametrize(
    "data,encoding",
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("gb18030"), "gb18030"),
        (TEXT.encode("gbk"), "gb18030"),
        (TEXT.encode("utf-16"), "utf-16"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
    ],
)
def test_decodes_the_encodings_users_have(data, encoding):
    text, found = decode_text(data, "x.txt")
    assert text == TEXT
    assert found == encoding


def test_crlf_becomes_lf(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes(TEXT.replace("\n", "\r\n").encode("utf-8"))
    assert read_text(p).text == TEXT


def test_empty_file_is_a_clear_error(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_bytes(b"  \n")
    with pytest.raises(IngestError) as err:
        read_source(p)
    assert "empty.txt" in str(err.value) and "empty" in err.value.problem.reason


def test_undecodable_bytes_name_file_line_and_fix(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_bytes("第一行\n".encode("utf-8") + b"\x81\x30\xff\xfe\x00\x81")
    with pytest.raises(IngestError) as err:
        read_source(p)
    msg = str(err.value)
    assert "bad.txt" in msg and "line 2" in msg and "UTF-8" in err.value.problem.fix


def test_discover_skips_descriptions_and_reports_missing(tmp_path):
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "SOURCES.md").write_text("x", encoding="utf-8")
    (tmp_path / "img.png").write_bytes(b"\x89PNG")
    files, problems = discover([tmp_path, tmp_path / "a.txt", tmp_path / "nope.txt"])
    assert [f.name for f in files] == ["a.txt"]
    said = {Path(e.problem.source).name: e.problem for e in problems}
    assert set(said) == {"SOURCES.md", "img.png", "nope.txt", "a.txt"}  # a.txt: named twice, read once
    assert said["SOURCES.md"].by_design and said["a.txt"].by_design and not said["img.png"].by_design
    assert "unsupported file type .png" in said["img.png"].reason and "no such file" in said["nope.txt"].reason
