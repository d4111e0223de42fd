#!/usr/bin/env bash
# Installs every Debian 12 package Archscope builds, tests or runs with.
# Idempotent: when all packages are present it does nothing and needs no network.
#   --bench  also the packages the CPU benchmarks compare against: PyTorch
#            (python3-torch, about 1 GB) and the BLIS library.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # The window: Qt 6 widgets and SVG, Dear ImGui (with its Vulkan backend), stb, GLM, fonts.
  qt6-base-dev qt6-svg-dev libgl-dev libimgui-dev libstb-dev libglm-dev fonts-dejavu-core
  # Vulkan: loader and headers, the shader compiler, validation layers, and
  # lavapipe (Mesa's CPU device) so every machine has at least one device.
  libvulkan-dev glslc spirv-tools vulkan-validationlayers mesa-vulkan-drivers vulkan-tools
  # A virtual display for running the window by hand on a headless machine (xvfb-run).
  xvfb xauth
  # Fuzzing and sanitizers: clang with libFuzzer.
  clang-14 libfuzzer-14-dev libclang-rt-14-dev llvm-14
  # The fast CPU kernels: matrix products and vector exp/tanh/erf.
  libopenblas-dev libsleef-dev
)
for arg in "$@"; do
  case "$arg" in
    --bench) packages+=(python3-torch libblis-dev) ;;
    *) echo "install-deps.sh: unknown option '$arg' (expected --bench)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing: ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
