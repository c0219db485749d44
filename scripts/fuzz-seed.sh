#!/bin/sh
# Writes one seed file per corpus record into fuzz/corpus/parse, so the
# fuzzer starts from real device messages.
# Usage: scripts/fuzz-seed.sh [path/to/public.jsonl]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=${1:-${LOGKEEP_CORPUS:-$root/../shared/corpus/public.jsonl}}
out=$root/fuzz/corpus/parse
mkdir -p "$out"
python3 - "$corpus" "$out" <<'PY'
import base64, json, sys
corpus, out = sys.argv[1], sys.argv[2]
count = 0
with open(corpus, encoding="utf-8") as lines:
    for line in lines:
        if not line.strip():
            continue
        record = json.loads(line)
        if "raw" in record:
            data = record["raw"].encode("utf-8")
        else:
            data = base64.b64decode(record["raw_b64"])
        name = "".join(c if c.isalnum() or c in "-_" else "_" for c in record["id"])
        with open(f"{out}/{name}", "wb") as seed:
            seed.write(data)
        count += 1
print(f"wrote {count} seeds to {out}")
PY
