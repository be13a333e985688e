#!/usr/bin/env bash
# Builds and runs the C tests against the shared and the static library, then again under
# valgrind. Usage: tests/c/run.sh [library dir, default target/debug]. Prints
# "c: N passed, N failed".
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
lib="$(cd "${1:-$root/target/debug}" && pwd)"
out="$root/target/c-tests"
rm -rf "$out" && mkdir -p "$out"
# The shared library's SONAME is libmaestro.so.0: give the loader that name.
ln -sf "$lib/libmaestro.so" "$out/libmaestro.so.0"
cflags=(-std=c11 -Wall -Wextra -Werror -pedantic -I"$root/include")
passed=0 failed=0
check() { # name, command...
  local name=$1; shift
  if "$@" > "$out/$name.log" 2>&1; then passed=$((passed + 1)); echo "ok   $name"
  else failed=$((failed + 1)); echo "FAIL $name"; tail -n 30 "$out/$name.log"; fi
}

check header-alone-c gcc "${cflags[@]}" -c "$root/tests/c/header_alone.c" -o "$out/header_alone.o"
check header-alone-c++ g++ -std=c++17 -Wall -Wextra -Werror -pedantic -I"$root/include" \
  -c "$root/tests/c/header_alone.cpp" -o "$out/header_alone_cpp.o"

# What libmaestro.a needs besides itself: scripts/test passes rustc's own list.
read -r -a static_libs <<< "${MAESTRO_STATIC_LIBS:--lz -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc}"
for t in e2e threads; do
  check "$t-build-shared" gcc "${cflags[@]}" "$root/tests/c/$t.c" -o "$out/$t-shared" -L"$lib" -lmaestro -lpthread \
    -Wl,-rpath,"$out"
  check "$t-build-static" gcc "${cflags[@]}" "$root/tests/c/$t.c" -o "$out/$t-static" "$lib/libmaestro.a" \
    "${static_libs[@]}"
  check "$t-shared" "$out/$t-shared"
  check "$t-static" "$out/$t-static"
done
# The shared error table (tests/errors/cases.json), as a tab-separated file the C runner reads.
python3 - "$root/tests/errors/cases.json" > "$out/errors.tsv" <<'PY'
import json, sys
table = json.load(open(sys.argv[1], encoding="utf-8"))
status = {"validation": 100, "not_found": 101, "conflict": 102}
for s in table["setup"]:
    print("\t".join([s["op"], json.dumps(s["input"]), "setup", "-", "?", "?", "?", "?", "-"]))
for c in table["cases"]:
    about = [("-" if c.get(k) is None else c[k]) if k in c else "?" for k in ("entity", "id", "from", "to")]
    print("\t".join([c["op"], json.dumps(c["input"]), str(status[c["kind"]]), c["path"] or "-"] + about + ["|".join(c["message"]) or "-"]))
PY
check "errors-build" gcc "${cflags[@]}" "$root/tests/c/errors.c" -o "$out/errors" -L"$lib" -lmaestro -ldl \
  -Wl,-rpath,"$out"
check "errors" "$out/errors" "$out/errors.tsv"
# The same library on a PostgreSQL store (the server scripts/test started).
check "postgres-build" gcc "${cflags[@]}" "$root/tests/c/postgres.c" -o "$out/postgres" -L"$lib" -lmaestro \
  -Wl,-rpath,"$out"
check "postgres" "$out/postgres"
check "needs-soname" bash -c "readelf -d '$out/e2e-shared' | grep -q 'NEEDED.*libmaestro.so.0'"

if command -v valgrind > /dev/null; then
  vg=(valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=1 --quiet)
  for t in e2e threads; do
    check "$t-shared-valgrind" "${vg[@]}" "$out/$t-shared"
    check "$t-static-valgrind" "${vg[@]}" "$out/$t-static"
  done
else
  echo "valgrind missing: install it (scripts/test does)"; failed=$((failed + 1))
fi
echo "c: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
