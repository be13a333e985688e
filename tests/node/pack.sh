#!/usr/bin/env bash
# The Node package as a user gets it: `npm pack` of maestro-ffi/node, installed with
# `npm install <tarball>` into a fresh project (koffi from the npm registry), then a
# quickstart that requires it by its package name runs against the library in MAESTRO_LIB
# (default: target/debug/libmaestro.so). Prints "pack: ok" on success.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
pkg="$root/maestro-ffi/node"
export MAESTRO_LIB="${MAESTRO_LIB:-$root/target/debug/libmaestro.so}"
[ -f "$MAESTRO_LIB" ] || { echo "pack: no library at $MAESTRO_LIB (cargo build -p maestro-ffi)"; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "pack: FAIL: $*"; exit 1; }

name=$(node -p "require('$pkg/package.json').name")

# The tarball: what "files" lists, package.json, and nothing else (no node_modules).
tarball="$work/$(cd "$pkg" && npm pack --silent --pack-destination "$work" | tail -n 1)"
[ -f "$tarball" ] || fail "npm pack wrote no tarball"
tar -tzf "$tarball" | sort > "$work/contents"
echo "pack: $(basename "$tarball"): $(paste -sd' ' "$work/contents")"
if grep -q 'node_modules' "$work/contents"; then fail "the tarball contains node_modules"; fi
for f in package.json index.js index.d.ts README.md; do
  grep -qx "package/$f" "$work/contents" || fail "the tarball lacks $f"
done
if [ -f "$pkg/types.d.ts" ]; then
  grep -qx "package/types.d.ts" "$work/contents" || fail "the tarball lacks types.d.ts"
fi
if grep -Ev '^package/(package\.json|index\.js|index\.d\.ts|types\.d\.ts|README\.md|LICENSE.*)$' "$work/contents"; then
  fail "the tarball holds files it should not (above)"
fi

# A fresh project that installs it.
app="$work/app"
mkdir "$app"
(cd "$app" && npm init -y > /dev/null && npm install --no-audit --no-fund --loglevel=error "$tarball" > /dev/null)
[ -d "$app/node_modules/koffi" ] || fail "koffi was not installed"
[ ! -e "$app/node_modules/$name/node_modules" ] || fail "the installed package carries a node_modules"

cat > "$app/quickstart.js" <<'JS'
const maestro = require('maestro-ffi');

(async () => {
  const m = await maestro.openAsync('quickstart.db', { durability: 'normal' });
  try {
    const p = await m.projects.create({ name: 'shop' });
    const wf = await m.workflows.create({ project_id: p.id, feature: 'checkout', model: 'flow' });
    await m.tasks.create({ project_id: p.id, workflow_id: wf.id, title: 'DB schema', labels: ['database'] });
    const s = await m.sessions.spawn({ project_id: p.id, name: 'worker-1' });
    await m.sessions.register({ id: s.id });
    const task = await m.tasks.claim({ session_id: s.id, filter: { labels: ['database'] } });
    const done = await m.tasks.complete({ id: task.id, session_id: s.id });
    const events = await m.events.since(0);
    console.log(`quickstart: ${done.title} ${done.status} by ${s.name} (${events.length} events)`);
    try {
      await m.tasks.create({ project_id: p.id, title: 'bad', labels: [''] });
    } catch (e) {
      console.log(`quickstart: ${e.code} at ${e.path}`);
    }
  } finally {
    await m.close();
  }
  console.log('quickstart: loaded from', require.resolve('maestro-ffi'));
})();
JS
(cd "$app" && node quickstart.js) > "$work/out.log" 2>&1 || { cat "$work/out.log"; fail "the quickstart failed"; }
cat "$work/out.log"
grep -Eq '^quickstart: DB schema completed by worker-1 \([0-9]+ events\)$' "$work/out.log" || fail "no completed task in the output"
grep -qx 'quickstart: MAESTRO_VALIDATION at /labels/0' "$work/out.log" || fail "no validation error in the output"
grep -qx "quickstart: loaded from $app/node_modules/$name/index.js" "$work/out.log" \
  || fail "the package was not loaded from the installed copy"
echo "pack: ok"
