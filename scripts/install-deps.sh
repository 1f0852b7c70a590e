#!/bin/sh
# Installs what forklab needs to build, test and run, from Debian bookworm's packages only.
# Run as root (or it uses sudo). Safe to run again. python3 plays the python-* lessons (CPython
# 3.8+; any python3 already first on PATH, e.g. pyenv's, is what they use).
set -eu
PKGS="build-essential cmake ninja-build pkg-config
      libimgui-dev libglfw3-dev python3-glad libstb-dev fonts-dejavu-core
      catch2 libcli11-dev nlohmann-json3-dev libsimdjson-dev libbenchmark-dev libdw-dev
      xvfb xauth libgl1-mesa-dri
      python3
      strace graphviz clang-14 libclang-rt-14-dev clang-format"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "installing:$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
