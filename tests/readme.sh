#!/usr/bin/env bash
# The README's C, Node and Python quickstarts, extracted and run exactly as written (against the
# library in the given directory, default target/debug). Prints "readme: N passed, N failed".
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
lib="$(cd "${1:-$root/target/debug}" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
# The fenced block whose first line is $1.
block() { awk -v first="$1" '/^```/{ if (inb) { inb=0; if (hit) exit } else { inb=1; n=0 }; next } inb { if (n++ == 0 && $0 == first) hit=1; if (hit) print }' "$root/README.md"; }
verdict() { # name, log, expected patterns...
  local name=$1 log=$2; shift 2
  for pat in "$@"; do
    if ! grep -q -- "$pat" "$log"; then failed=$((failed + 1)); echo "FAIL $name: no '$pat' in:"; cat "$log"; return; fi
  done
  passed=$((passed + 1)); echo "ok   $name"
}

# The C block: installed with scripts/install-c (into a prefix of its own, from the dev
# build the other tests use), then built with what pkg-config says, as the README shows.
block "/* quickstart.c */" > "$work/quickstart.c"
"$root/scripts/install-c" --prefix "$work/local" --profile dev > "$work/install.log" 2>&1 || cat "$work/install.log"
# shellcheck disable=SC2046
(cd "$work" && export PKG_CONFIG_PATH="$work/local/lib/pkgconfig" \
  && cc -std=c11 quickstart.c $(pkg-config --cflags --libs maestro) -o quickstart \
  && LD_LIBRARY_PATH="$work/local/lib" ./quickstart) > "$work/c.log" 2>&1 || true
verdict readme-c "$work/c.log" "created {" "error 100: .* (at /labels/0)"

block "// quickstart.js" > "$work/quickstart.js"
ln -s "$root/maestro-ffi" "$work/maestro-ffi"
(cd "$work" && MAESTRO_LIB="$lib/libmaestro.so" node quickstart.js) > "$work/node.log" 2>&1 || true
verdict readme-node "$work/node.log" "ready: \[ 'DB schema' \]" "MAESTRO_VALIDATION at /labels/0"

# The Python block runs with the interpreter given in MAESTRO_PYTHON (scripts/test
# passes the venv it installed maestro-py into).
if [ -n "${MAESTRO_PYTHON:-}" ]; then
  block "# quickstart.py" > "$work/quickstart.py"
  (cd "$work" && "$MAESTRO_PYTHON" quickstart.py) > "$work/py.log" 2>&1 || true
  verdict readme-python "$work/py.log" "ready: \['API'\]" "rejected at /labels/0"
  block "# langgraph_quickstart.py" > "$work/langgraph_quickstart.py"
  (cd "$work" && "$MAESTRO_PYTHON" langgraph_quickstart.py) > "$work/lg.log" 2>&1 || true
  verdict readme-langgraph "$work/lg.log" "asks: {'send this?': 'Your order ships tomorrow.'}" \
    "done: {'draft': 'Your order ships tomorrow.', 'approved': True}" "checkpoints: 4"
else
  echo "skip readme-python: set MAESTRO_PYTHON to an interpreter with maestro-py installed"
fi

# The `maestro` command block, run from a folder inside the repository (where `cargo run`
# finds the workspace) with the binary in the given directory on PATH. `events --follow`
# runs until interrupted: here it is stopped with SIGTERM after two seconds.
if [ -x "$lib/maestro" ]; then
  cli_dir="$root/target/readme-cli"
  rm -rf "$cli_dir" && mkdir -p "$cli_dir"
  block "# the maestro command on the quickstart's store" \
    | sed 's/^maestro events --follow.*/maestro events --follow \& follower=$!; sleep 2; kill -TERM $follower; wait $follower; echo "follow stopped: $?"/' \
    > "$cli_dir/cli.sh"
  (cd "$cli_dir" && PATH="$lib:$PATH" NO_COLOR=1 bash -e cli.sh) > "$work/cli.log" 2>&1 || true
  verdict readme-cli "$work/cli.log" "^Project shop" "^# Final report: oauth-login" "follow stopped: 0"
  rm -rf "$cli_dir"
else
  failed=$((failed + 1))
  echo "FAIL readme-cli: no $lib/maestro (cargo build -p maestro-core --features cli --bin maestro)"
fi

echo "readme: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
