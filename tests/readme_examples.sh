#!/bin/sh
# Runs every `build/app/archscope ...` example of the README, in order, in an
# empty folder that holds only the checkout's assets/: as a user with a fresh
# clone would. Any example that fails (or any that points outside the
# checkout, such as test data beside it) fails the test.
# A build without the window (the sanitizer build) skips the examples that
# draw: `render` and `--screenshot`.
# Usage: readme_examples.sh README.md ARCHSCOPE_BINARY SOURCE_DIR WORK_DIR [gui|nogui]
set -eu
readme=$1 binary=$2 source=$3 work=$4 gui=${5:-gui}
rm -rf "$work"
mkdir -p "$work"
ln -s "$source/assets" "$work/assets"
cd "$work"
count=0
grep '^    build/app/archscope ' "$readme" | sed -e 's/^    build\/app\/archscope //' -e 's/  *# .*$//' > examples.txt
while IFS= read -r args; do
  case "$gui $args" in
    "nogui render "* | nogui*--screenshot*) echo "skipped (no window in this build): archscope $args"; continue ;;
  esac
  count=$((count + 1))
  echo "\$ archscope $args"
  if ! eval "\"\$binary\" $args" > output.txt 2>&1; then
    cat output.txt
    echo "README example $count failed: archscope $args"
    exit 1
  fi
done < examples.txt
[ "$count" -gt 0 ] || { echo "no examples found in $readme"; exit 1; }
echo "all $count README examples ran"
