#!/usr/bin/env bash
# Installs the Debian packages qscope builds and tests with, if any is missing.
# Root (or passwordless sudo) installs them; otherwise it prints the command to run and fails.
set -euo pipefail
pkgs=(libncurses-dev libopenblas-dev libstb-dev pkg-config tmux)
# A Python with venv and ensurepip for the test tooling (Debian splits these out of python3).
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then pkgs+=(python3 python3-venv python3-pip); fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  echo "installing: ${missing[*]}"
  bash -c "$cmd"
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  echo "installing with sudo: ${missing[*]}"
  sudo bash -c "$cmd"
else
  echo "qscope needs these Debian packages: ${missing[*]}" >&2
  echo "run as root:  $cmd" >&2
  exit 1
fi
