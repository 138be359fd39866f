"""policyqa: the question-answering stage and the public Python API.

>>> from qa import PolicyQA
>>> engine = PolicyQA.open("var/index")   # doctest: +SKIP
"""

from settings import Settings
from .engine import PolicyQA
from .types import Answer, Citation, Related

__all__ = ["Answer", "Citation", "PolicyQA", "Related", "Settings"]
