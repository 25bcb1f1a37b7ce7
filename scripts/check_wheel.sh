#!/usr/bin/env bash
# Checks one repaired wheel the way a user meets it: a fresh venv of the given Python, pip
# install of the wheel (its dependencies from the package index), `import tensorgear` from
# outside the source tree, `tensorgear info`, and a short training run whose result must equal
# the source build's (REF_PY: a Python that imports the source build; skipped when unset).
# It also checks that every shared library the compiled module loads is either inside the wheel
# or one of the few that manylinux lets a wheel take from the system (glibc's, libstdc++,
# libgcc_s): nothing of the build machine's OpenBLAS, libgfortran or libgomp may be needed.
#
#   scripts/check_wheel.sh PYTHON WHEEL
set -euo pipefail
py=$1
whl=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
root=$(cd "$(dirname "$0")/.." && pwd)
env="$root/build/wheel-check-$("$py" -c 'import sys; print("%d%d" % sys.version_info[:2])')"
rm -rf "$env"
"$py" -m venv "$env"
"$env/bin/python" -m pip install -q --disable-pip-version-check "$whl"

cd /tmp  # never the source tree: the import must find the installed package
"$env/bin/python" -c "import tensorgear, os; assert not tensorgear.__file__.startswith('$root/pyfrontend'), tensorgear.__file__"
"$env/bin/tensorgear" info

so=$("$env/bin/python" -c "import tensorgear._C as c; print(c.__file__)")
allowed='^(linux-vdso|libc|libm|libpthread|libdl|librt|ld-linux-x86-64|libstdc\+\+|libgcc_s)\.so'
bad=0
while read -r name _ target _; do
  [ -z "$name" ] && continue
  if [[ "$name" =~ $allowed ]]; then continue; fi
  if [[ "$target" != "$env"/* ]]; then
    echo "check_wheel: $name resolves to $target, outside the wheel" >&2
    bad=1
  fi
done < <(ldd "$so" | sed 's/^[[:space:]]*//' | grep -v '^/')
[ "$bad" -eq 0 ] || exit 1
echo "check_wheel: every library of $(basename "$so") is glibc's, libstdc++/libgcc_s or inside the wheel"

got=$("$env/bin/python" "$root/scripts/wheel_smoke.py")
echo "check_wheel: wheel:        $got"

# The same run with the build machine's copies of the bundled libraries out of reach: a private
# mount namespace binds /dev/null over each, so any load of them that ldd did not show fails here.
hidden=()
for lib in libopenblas.so.0 libgfortran.so.5 libgomp.so.1 libquadmath.so.0; do
  p=$(ldconfig -p | awk -v l="$lib" '$1 == l && !found {found = $NF} END {print found}')  # reads all: no SIGPIPE
  [ -n "$p" ] && hidden+=("$(readlink -f "$p")")
done
if [ ${#hidden[@]} -gt 0 ] && unshare -m true 2>/dev/null; then
  got_hidden=$(unshare -m bash -c 'py=$1 smoke=$2; shift 2
    for f; do mount --bind /dev/null "$f" || exit 1; done
    "$py" -c "import ctypes, sys
for f in sys.argv[1:]:
    try: ctypes.CDLL(f)
    except OSError: continue
    sys.exit(\"check_wheel: \" + f + \" still loads\")" "$@" && "$py" "$smoke"' \
    _ "$env/bin/python" "$root/scripts/wheel_smoke.py" "${hidden[@]}")
  echo "check_wheel: system libs hidden ($(basename -a "${hidden[@]}" | tr '\n' ' ')): $got_hidden"
  [ "$got_hidden" = "$got" ] || { echo "check_wheel: the run without the system libraries differs" >&2; exit 1; }
else
  echo "check_wheel: no mount namespace here (needs root and unshare); the ldd check above stands alone"
fi
if [ -n "${REF_PY:-}" ]; then
  want=$(cd "$root" && eval "$REF_PY" "$root/scripts/wheel_smoke.py")
  echo "check_wheel: source build: $want"
  [ "$got" = "$want" ] || { echo "check_wheel: the wheel's result differs from the source build's" >&2; exit 1; }
fi
