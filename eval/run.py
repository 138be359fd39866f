"""``policyqa eval``: placeholder until the evaluation lands (issue 3)."""

from __future__ import annotations

import argparse
import logging

log = logging.getLogger(__name__)


def main(args: argparse.Namespace, settings) -> int:
    log.error("policyqa eval is not built yet (tracked in the evaluation issue)")
    return 2
