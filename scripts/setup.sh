#!/usr/bin/env bash
# Create .venv and install policyqa into it. Safe to run again: it only installs what is missing.
# torch is installed first, pinned to the CPU build on this machine's disk (an unpinned torch,
# pulled in by sentence-transformers, would be a multi-GB CUDA download).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
"$PY" - <<'PYCHECK'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"policyqa needs Python >= 3.11, found {sys.version.split()[0]}")
PYCHECK

if [ ! -x .venv/bin/python ]; then
    echo "== creating .venv"
    "$PY" -m venv .venv
fi
VPY=.venv/bin/python
export PIP_DISABLE_PIP_VERSION_CHECK=1
if ! "$VPY" -c "import torch" 2>/dev/null; then
    echo "== installing torch 2.13.0 (CPU)"
    "$VPY" -m pip install -q "torch==2.13.0"
fi
echo "== installing policyqa and its dependencies"
"$VPY" -m pip install -q -e ".[test,llm,scale]"
echo "== ready: $(.venv/bin/policyqa --help >/dev/null && echo 'policyqa installed in .venv')"
