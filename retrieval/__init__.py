"""Retrieval: a question → the chunks that answer it.

``query`` parses the question once (with ``normalise``, ``titles``, ``asks``, ``intent``,
``figures``, ``decompose``); ``filters`` restricts documents; ``rankers`` ranks by lookup, BM25
and dense search; ``fusion`` fuses (pure functions); ``features`` and ``learned`` reorder the best
fused candidates by the learned ranker (``data/ranker.json``); ``terms`` weighs question terms by
rarity; ``vocabulary`` adds general synonyms of words the corpus does not use; ``retriever`` runs it all; ``rerank`` is an optional cross-encoder; ``langchain`` adapts it
to a LangChain retriever. ``types`` holds what it returns (``Hit``, ``Retrieval``).
"""
