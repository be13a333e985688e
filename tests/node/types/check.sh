#!/usr/bin/env bash
# The TypeScript declarations as a TypeScript host meets them: tsc --strict compiles
# sample.ts (instanceof Subscription, Event.payload narrowed by entity, AsyncMaestro) against
# maestro-ffi/node/index.d.ts, then the compiled program runs against the library.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
npm ci --prefix "$here" --no-audit --no-fund --loglevel=error
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cp "$here/sample.ts" "$out/sample.ts"
# The sample imports ../../../maestro-ffi/node: give the copy the same relative place.
mkdir -p "$out/a/b/c"
mv "$out/sample.ts" "$out/a/b/c/sample.ts"
ln -s "$(cd "$here/../../../maestro-ffi" && pwd)" "$out/maestro-ffi"
"$here/node_modules/.bin/tsc" --strict --module commonjs --target es2020 \
  --typeRoots "$here/node_modules/@types" --types node --outDir "$out/a/b/c" "$out/a/b/c/sample.ts"
echo "tsc --strict: the sample compiles against index.d.ts"
node "$out/a/b/c/sample.js"
