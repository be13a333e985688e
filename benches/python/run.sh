#!/usr/bin/env bash
# The side-by-side benchmark against langgraph-checkpoint-sqlite's SqliteSaver, or with
# `postgres` against langgraph-checkpoint-postgres's PostgresSaver on the scripts/pg server.
# Builds maestro-py in release into its own venv (target/bench-venv) next to them,
# runs the script RUNS times (default 3) and prints each run's JSON lines, then the
# median per scenario. Usage: benches/python/run.sh [postgres] [RUNS]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
script=side_by_side.py
if [ "${1:-}" = postgres ]; then script=postgres_side_by_side.py; shift; fi
runs="${1:-3}"
venv="$root/target/bench-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "maturin>=1.9.4,<2" langgraph-checkpoint-sqlite
fi
if [ "$script" = postgres_side_by_side.py ]; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check langgraph-checkpoint-postgres "psycopg[binary]"
  MAESTRO_BENCH_PG_URL="${MAESTRO_BENCH_PG_URL:-$("$root/scripts/pg" start)}"
  export MAESTRO_BENCH_PG_URL
fi
PATH="$venv/bin:$PATH" "$venv/bin/pip" install --quiet --no-build-isolation --force-reinstall --no-deps "$root/maestro-py"
"$venv/bin/pip" list 2>/dev/null | grep -E "^(langgraph-checkpoint-sqlite|langgraph-checkpoint-postgres|langgraph-checkpoint|maestro-py|psycopg) "
out="$root/target/bench-python-${script%.py}.jsonl"
: > "$out"
for i in $(seq "$runs"); do
  echo "run $i"
  (cd "$root/target" && "$venv/bin/python" "$root/benches/python/$script") | tee -a "$out"
done
"$venv/bin/python" - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in rows:
    by.setdefault(r["scenario"], []).append(r)
print("\nmedians over", len(next(iter(by.values()))), "runs")
for name, rs in by.items():
    if "maestro_s" in rs[0]:
        other = next(k for k in rs[0] if k.endswith("saver_s"))
        m = statistics.median(r["maestro_s"] for r in rs); s = statistics.median(r[other] for r in rs)
        ratios = sorted(r["ratio"] for r in rs)
        print(f"| {name} | {m:.3f} s | {s:.3f} s | {statistics.median(ratios):.2f}x (runs {ratios[0]:.2f}-{ratios[-1]:.2f}) |")
    else:
        m = statistics.median(r["maestro_per_s"] for r in rs); s = statistics.median(r["sqlitesaver_per_s"] for r in rs)
        print(f"| {name} | {m:.0f}/s | {s:.0f}/s | {statistics.median(r['ratio'] for r in rs):.2f}x |")
PY
