#!/usr/bin/env bash
# Install the Debian/Ubuntu packages that building tensorgear needs, and only
# those that are missing: the system OpenBLAS (CBLAS + cblas.h), pkg-config, a
# C++ compiler, and -- for Debian's own python3 -- its headers and venv module.
# Quick and silent when everything is there; `apt-get update` runs only when an
# install fails without it (a fresh image has no package lists).
set -euo pipefail

PYTHON=${PYTHON:-python3}
missing=()

if ! command -v dpkg >/dev/null 2>&1; then
  echo "system-deps: not a Debian-like system; make sure OpenBLAS (with cblas.h), pkg-config," \
       "a C++17 compiler and the Python headers are installed." >&2
  exit 0
fi

need_pkg() { dpkg -s "$1" >/dev/null 2>&1 || missing+=("$1"); }
need_pkg libopenblas-dev
need_pkg pkg-config
if ! command -v g++ >/dev/null 2>&1 && ! command -v c++ >/dev/null 2>&1; then
  missing+=(g++)
fi
if command -v "$PYTHON" >/dev/null 2>&1; then
  "$PYTHON" - <<'PY' || missing+=(python3-dev)
import os, sys, sysconfig
sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")) else 1)
PY
  "$PYTHON" -c "import ensurepip, venv" >/dev/null 2>&1 || missing+=(python3-venv)
else
  missing+=(python3 python3-dev python3-venv)
fi

[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=sudo
  else
    echo "system-deps: missing Debian packages: ${missing[*]}" >&2
    echo "system-deps: run as root: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
echo "system-deps: installing ${missing[*]}"
if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; then
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
