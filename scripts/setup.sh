#!/usr/bin/env bash
# One command from a fresh Debian 12 machine: install dependencies, build in
# Release, and start Archscope on its embedded default model.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DARCHSCOPE_BUILD_TESTS=OFF
cmake --build "$root/build" --target archscope
exec "$root/build/app/archscope" "$@"
