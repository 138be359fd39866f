#!/usr/bin/env bash
# The effect of chunk size on retrieval and answers: build the full corpus at each size and
# evaluate on eval/questions.jsonl. Embeddings are shared through the cache, so only chunks
# whose text changes are embedded again.
#   bash scripts/bench_chunk_size.sh [SIZES...]     (default: 240 360 600)
set -euo pipefail
cd "$(dirname "$0")/.."
PQ=${PQ:-.venv/bin/policyqa}
OUT=${OUT:-var/bench/chunk-size}
mkdir -p "$OUT"
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(240 360 600)
for s in "${sizes[@]}"; do
    "$PQ" build corpus --max-chars "$s" --index "$OUT/index-$s" --no-progress | tail -3
    "$PQ" eval --questions eval/questions.jsonl --index "$OUT/index-$s" --out "$OUT/eval-$s" > /dev/null
done
python3 - "$OUT" "${sizes[@]}" <<'PY'
import json, sys
out, sizes = sys.argv[1], sys.argv[2:]
keys = ["evidence_recall@1", "evidence_recall@5", "evidence_recall@10", "mrr@10", "key_fact_accuracy",
        "citation_precision", "latency_ms_p95"]
print("| max_chars | " + " | ".join(keys) + " |")
print("|" + "---|" * (len(keys) + 1))
for s in sizes:
    m = json.load(open(f"{out}/eval-{s}/metrics.json"))
    print(f"| {s} | " + " | ".join(f"{m[k]:.3f}" if k != "latency_ms_p95" else f"{m[k]:.0f}" for k in keys) + " |")
PY
