#!/usr/bin/env bash
# MaestroSaver vs LangGraph's SqliteSaver/PostgresSaver through LangGraph's API (see benches/langgraph.py --help).
root="$(cd "$(dirname "$0")/.." && pwd)"; out="${BENCH_OUT:-$root/target/bench-langgraph.md}"
echo "results: the markdown section goes to stdout and to $out (progress on stderr)" >&2
MAESTRO_BENCH_CMD="benches/langgraph.sh $*" exec "$root/target/py-venv/bin/python" "$root/benches/langgraph.py" --out "$out" "$@"
