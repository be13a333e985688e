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

block "/* quickstart.c */" > "$work/quickstart.c"
ln -sf "$lib/libmaestro.so" "$work/libmaestro.so.0"
(cd "$work" && cc -std=c11 -I"$root/include" quickstart.c -L"$lib" -lmaestro -o quickstart \
  && LD_LIBRARY_PATH="$work" ./quickstart) > "$work/c.log" 2>&1 || true
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
else
  echo "skip readme-python: set MAESTRO_PYTHON to an interpreter with maestro-py installed"
fi

echo "readme: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
