"""The naive baseline: what a user would build with off-the-shelf parts over the same corpus.

Each source text is cut by LangChain's ``RecursiveCharacterTextSplitter`` (500 characters,
100 overlap, Chinese separators); the chunks are embedded with the engine's own embedder
into a FAISS ``IndexFlatIP`` and indexed in BM25 (bm25s with :class:`JiebaTokenizer`);
the two rankings are merged by reciprocal-rank fusion. The answer to a question is the
text of its top chunk, cited whole; the baseline never abstains.
"""

from __future__ import annotations

import bisect
import logging
import time
from pathlib import Path

import numpy as np

from index.builder import build_bm25
from index.cache import EmbeddingCache
from retrieval.fusion import reciprocal_rank_fusion
from index.tokenize import JiebaTokenizer
from qa.types import Answer, Citation

from .metrics import Retrieved

log = logging.getLogger(__name__)

SEPARATORS = ["\n\n", "\n", "。", "！", "？", "；", "，", " ", ""]
CHUNK_SIZE = 500
CHUNK_OVERLAP = 100
CANDIDATES = 50  # per ranker, before fusion


def split_sources(sources: dict[str, str]) -> list[Retrieved]:
    """Every source text cut into overlapping chunks, each with its span in the source."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP,
                                              separators=SEPARATORS, add_start_index=True)
    chunks: list[Retrieved] = []
    for path, text in sources.items():
        for doc in splitter.create_documents([text]):
            start = int(doc.metadata.get("start_index", -1))
            if start < 0 or text[start:start + len(doc.page_content)] != doc.page_content:
                found = text.find(doc.page_content)
                if found < 0:
                    log.warning("baseline chunk not found in %s; skipped", path)
                    continue
                start = found
            chunks.append(Retrieved(source=path, start=start, end=start + len(doc.page_content),
                                    text=doc.page_content, label=f"{Path(path).name}@{start}"))
    return chunks


class NaiveRAG:
    """Split, embed, BM25, RRF, answer with the top chunk. Build with :meth:`from_engine`."""

    name = "naive"

    def __init__(self, chunks: list[Retrieved], embedder, cache: EmbeddingCache, progress: bool = False,
                 titles: dict[str, list[tuple[int, str]]] | None = None) -> None:
        import faiss

        if not chunks:
            raise ValueError("the baseline has no chunks: the index holds no source text")
        t0 = time.perf_counter()
        self.embedder = embedder
        self.tokenizer = JiebaTokenizer()
        titles = titles or {}
        self.chunks = [self._titled(c, titles.get(c.source, [])) for c in chunks]
        vectors = cache.embed(embedder.name, [c.text for c in chunks], embedder.embed_passages, progress=progress)
        self.dense = faiss.IndexFlatIP(vectors.shape[1])
        self.dense.add(np.ascontiguousarray(vectors, dtype=np.float32))
        self.bm25 = build_bm25([self.tokenizer(c.text) for c in chunks])
        self.build_s = time.perf_counter() - t0
        log.info("naive baseline: %d chunks indexed in %.1f s", len(chunks), self.build_s)

    @staticmethod
    def _titled(chunk: Retrieved, starts: list[tuple[int, str]]) -> Retrieved:
        """The chunk with the title of the document it starts in (for reading results only)."""
        i = bisect.bisect_right(starts, (chunk.start, "\uffff")) - 1
        if i < 0:
            return chunk
        return Retrieved(chunk.source, chunk.start, chunk.end, chunk.text, chunk.label, starts[i][1])

    @classmethod
    def from_engine(cls, engine, cache_dir: str | Path, progress: bool = False) -> "NaiveRAG":
        """The baseline over the source texts of ``engine``'s index, with ``engine``'s embedder."""
        sources = {path: s.text for path, s in engine.data.sources.items()}
        titles: dict[str, list[tuple[int, str]]] = {}
        for d in engine.data.documents:
            titles.setdefault(d.source, []).append((d.start, d.title))
            for a in d.aliases:
                if "source" in a and "start" in a:
                    titles.setdefault(a["source"], []).append((int(a["start"]), d.title))
        for v in titles.values():
            v.sort()
        chunks = split_sources(sources)
        log.info("naive baseline: %d chunks of up to %d characters from %d sources",
                 len(chunks), CHUNK_SIZE, len(sources))
        cache = EmbeddingCache(Path(cache_dir) / "embeddings.sqlite")
        try:
            return cls(chunks, engine.embedder, cache, progress=progress, titles=titles)
        finally:
            cache.close()

    def search(self, question: str, k: int = 10) -> list[Retrieved]:
        """The top ``k`` chunks by RRF of BM25 and dense rankings."""
        n = min(CANDIDATES, len(self.chunks))
        qv = self.embedder.embed_query(question).astype(np.float32)[None, :]
        _, ids = self.dense.search(qv, n)
        dense = [int(i) for i in ids[0] if i >= 0]
        bm25: list[int] = []
        tokens = [t for t in self.tokenizer(question) if t in self.bm25.vocab_dict]
        if tokens:
            scores = self.bm25.get_scores(tokens)
            top = np.argsort(-scores, kind="stable")[:n]
            bm25 = [int(i) for i in top if scores[i] > 0]
        fused = reciprocal_rank_fusion([r for r in (bm25, dense) if r])
        return [self.chunks[int(i)] for i, _ in fused[:k]]

    def ask(self, question: str) -> Answer:
        """The top chunk as the answer, cited whole."""
        hits = self.search(question, k=1)
        if not hits:
            return Answer(question=question, answer="", abstained=False)
        c = hits[0]
        cit = Citation(marker=1, doc_title=c.doc_title, clause=c.label, quote=c.text, source=c.source, page=None,
                       start=c.start, end=c.end, score=1.0)
        return Answer(question=question, answer=c.text, abstained=False, citations=[cit])
