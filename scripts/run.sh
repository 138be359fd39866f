#!/usr/bin/env bash
# The main job: set up, build the index over the bundled corpus (embeddings are cached, so a
# rebuild of an unchanged corpus takes seconds), and open the web UI on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/policyqa build corpus
exec .venv/bin/policyqa serve --host 127.0.0.1 --port "${PORT:-7860}"
