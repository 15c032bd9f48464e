#!/usr/bin/env bash
# The WASM plugin toolchain: Debian's clang compiles the C plugin sources in
# plugins/ to wasm32 and lld's wasm-ld links them. Not a server: nothing is
# started and no variables are added to $CHIMERA_CI_ENV. The package tests
# build every plugin from source with it (and fail in CI if it is missing).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! command -v clang >/dev/null || ! command -v wasm-ld >/dev/null; then
  apt-get install -y -qq clang lld >/dev/null
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf '__attribute__((export_name("f"))) int f(void) { return 1; }\n' > "$probe/p.c"
clang --target=wasm32 -O2 -nostdlib -Wl,--no-entry -o "$probe/p.wasm" "$probe/p.c"
echo "wasm toolchain: $(clang --version | head -1), $(wasm-ld --version | head -1)"
