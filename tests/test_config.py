from pathlib import Path

import pytest

from cli.common import settings_from_args
from cli.main import build_parser
from settings import Settings


def test_environment_overrides_defaults():
    s = Settings.from_env({"POLICYQA_INDEX": "/tmp/i", "POLICYQA_TOP_K": "7", "POLICYQA_PROGRESS": "false"})
    assert s.index_dir == Path("/tmp/i") and s.top_k == 7 and s.progress is False


def test_ci_turns_progress_bars_off():
    assert Settings.from_env({"CI": "true"}).progress is False


def test_cli_overrides_environment(monkeypatch):
    monkeypatch.setenv("POLICYQA_INDEX", "/tmp/from-env")
    args = build_parser().parse_args(["ask", "问题", "--index", "/tmp/from-cli"])
    assert settings_from_args(args).index_dir == Path("/tmp/from-cli")


def test_invalid_values_are_rejected():
    with pytest.raises(ValueError):
        Settings().override(top_k=0)
    with pytest.raises(ValueError):
        Settings().override(nonsense=1)
