#!/usr/bin/env bash
# The C library as a host installs and links it: scripts/install-c into a fresh prefix,
# then the README's quickstart built only with what pkg-config says (shared and static),
# run, and run under valgrind with the installed suppression file and memcheck's default
# leak kinds. Usage: tests/c/install.sh [--profile dev|release] (default dev). Prints
# "install: N passed, N failed".
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
profile=dev
[ "${1:-}" = --profile ] && profile=$2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
passed=0 failed=0
check() { # name, command...
  local name=$1; shift
  if "$@" > "$work/$name.log" 2>&1; then passed=$((passed + 1)); echo "ok   $name"
  else failed=$((failed + 1)); echo "FAIL $name"; tail -n 30 "$work/$name.log"; fi
}
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n 1)

check install-c "$root/scripts/install-c" --prefix "$prefix" --profile "$profile"
layout() {
  [ "$(readlink "$prefix/lib/libmaestro.so")" = libmaestro.so.0 ] &&
    [ "$(readlink "$prefix/lib/libmaestro.so.0")" = "libmaestro.so.$version" ] &&
    [ -f "$prefix/lib/libmaestro.so.$version" ] && [ -f "$prefix/lib/libmaestro.a" ] &&
    [ -f "$prefix/include/maestro.h" ] && [ -f "$prefix/share/maestro/maestro.supp" ] &&
    readelf -d "$prefix/lib/libmaestro.so.$version" | grep -q 'SONAME.*\[libmaestro.so.0\]' &&
    ! grep -q '@' "$prefix/lib/pkgconfig/maestro.pc" "$prefix/lib/pkgconfig/maestro-static.pc"
}
check layout layout

# The README's quickstart, as written there.
awk '/^```/{ if (inb) { inb=0; if (hit) exit } else { inb=1; n=0 }; next } inb { if (n++ == 0 && $0 == "/* quickstart.c */") hit=1; if (hit) print }' \
  "$root/README.md" > "$work/quickstart.c"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
shared() {
  # shellcheck disable=SC2046 # pkg-config's words are separate arguments
  cc -std=c11 -Wall -Werror "$work/quickstart.c" $(pkg-config --cflags --libs maestro) -o "$work/q-shared" &&
    readelf -d "$work/q-shared" | grep -q 'NEEDED.*\[libmaestro.so.0\]' &&
    (cd "$work" && rm -f quickstart.db* && LD_LIBRARY_PATH="$prefix/lib" ./q-shared) > "$work/shared.out" 2>&1 &&
    grep -q '^created {' "$work/shared.out" && grep -q 'error 100: .* (at /labels/0)' "$work/shared.out"
}
check pkg-config-shared shared
static() {
  # shellcheck disable=SC2046
  cc -std=c11 -Wall -Werror "$work/quickstart.c" $(pkg-config --static --cflags --libs maestro-static) -o "$work/q-static" &&
    ! readelf -d "$work/q-static" | grep -q 'NEEDED.*libmaestro' &&
    (cd "$work" && rm -f quickstart.db* && ./q-static) > "$work/static.out" 2>&1 &&
    grep -q '^created {' "$work/static.out"
}
check pkg-config-static static
if command -v valgrind > /dev/null; then
  vg() { # binary: memcheck's default leak kinds (definite and possible) are errors
    (cd "$work" && rm -f quickstart.db* && LD_LIBRARY_PATH="$prefix/lib" valgrind --leak-check=full \
      --errors-for-leak-kinds=definite,possible --error-exitcode=1 --quiet \
      --suppressions="$prefix/share/maestro/maestro.supp" "./$1")
  }
  check valgrind-shared-suppressed vg q-shared
  check valgrind-static-suppressed vg q-static
else
  echo "valgrind missing: install it (scripts/test does)"; failed=$((failed + 1))
fi
echo "install: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
