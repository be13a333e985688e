#!/usr/bin/env bash
# MaestroSaver against LangGraph's SqliteSaver and PostgresSaver, through LangGraph's API
# (benches/python/langgraph_savers.py --help for what it measures). Builds maestro-py in
# release into target/bench-venv beside the pinned LangGraph packages, then runs the script
# with the arguments given; the markdown section goes to stdout and to target/bench-langgraph.md.
# Usage: benches/python/langgraph.sh [--checkpoints N] [--postgres URL] [...]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/target/bench-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "maturin>=1.9.4,<2" langgraph==1.2.24 \
  langgraph-checkpoint==4.3.2 langgraph-checkpoint-sqlite==3.1.2 langgraph-checkpoint-postgres==3.2.0 "psycopg[binary]"
PATH="$venv/bin:$PATH" "$venv/bin/pip" install --quiet --no-build-isolation --force-reinstall --no-deps "$root/maestro-py"
out="${BENCH_OUT:-$root/target/bench-langgraph.md}"
MAESTRO_BENCH_CMD="benches/python/langgraph.sh $*" exec "$venv/bin/python" "$root/benches/python/langgraph_savers.py" --out "$out" "$@"
