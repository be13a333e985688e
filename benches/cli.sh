#!/usr/bin/env bash
# The `maestro` command on a store with a million events (issue 16): how long `status`,
# `events` and `tasks graph` take and how much memory they hold, with the release build.
# Usage: benches/cli.sh [dir, default /tmp/maestro-cli-bench]. Needs python3 with
# maestro-py installed as $MAESTRO_PYTHON (default target/py-venv/bin/python).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-/tmp/maestro-cli-bench}"
py="${MAESTRO_PYTHON:-$root/target/py-venv/bin/python}"
cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p maestro-core --features cli \
  --bin maestro --bin maestro-stress
bin="$root/target/release"
rm -rf "$dir" && mkdir -p "$dir"
# 2,000 tasks in chains of three, one session; then a million timeline appends.
sid=$("$py" - "$dir/state.db" <<'PY'
import sys, maestro
m = maestro.open(sys.argv[1], durability="normal")
p = m.projects.create("big")
s = m.sessions.spawn(p.id, "writer"); m.sessions.register(s.id)
last = None
for i in range(2000):
    last = m.tasks.create(p.id, f"task {i}", depends_on=[last.id] if last and i % 3 else [])
print(s.id)
PY
)
"$bin/maestro-stress" append "$dir/state.db" "$sid" 1000000 > /dev/null
export NO_COLOR=1
measure() { # label, command
  local label=$1; shift
  for _ in 1 2 3; do /usr/bin/time -f "%e %M" sh -c "$* > /dev/null" 2>&1 | tail -n 1; done \
    | sort -n | sed -n 2p | awk -v l="$label" '{printf "%-34s median %6.2f s  peak RSS %6.1f MB\n", l, $1, $2 / 1024}'
}
db="$dir/state.db"
echo "store: $(du -h "$db" | cut -f1), $("$bin/maestro" --db "$db" info --json | grep -o '"latest_seq":[0-9]*')"
measure "status" "$bin/maestro --db $db status"
measure "tasks graph (2,000 tasks)" "$bin/maestro --db $db tasks graph big"
measure "events --json --limit 10000" "$bin/maestro --db $db events --json --limit 10000"
measure "events --json (1,002,004 events)" "$bin/maestro --db $db events --json"
measure "events (lines, 1,002,004 events)" "$bin/maestro --db $db events"
measure "events --since <head - 100>" "$bin/maestro --db $db events --since 1001904 --json"
