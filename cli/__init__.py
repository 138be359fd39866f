"""The ``policyqa`` command line (``cli.main:main``): build, add, remove, ask, parse, corpus, serve, eval.

It sits above every stage: it may import ingest, index, qa, ui and eval, and none of them imports it.
``python -m cli`` runs it from a checkout.
"""
