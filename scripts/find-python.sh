#!/usr/bin/env bash
# Print the path of a Python interpreter >= 3.12 (Mesa 3.5 needs it), or explain and fail.
# Order: $PYTHON if set, versioned names on PATH, pyenv installs, then plain python3.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
for v in 3.14 3.13 3.12; do
  command -v "python$v" >/dev/null 2>&1 && candidates+=("$(command -v "python$v")")
done
root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
for p in "$root"/versions/3.1[2-9]*/bin/python3; do
  [ -x "$p" ] && candidates+=("$p")
done
command -v python3 >/dev/null 2>&1 && candidates+=("$(command -v python3)")
for c in "${candidates[@]}"; do
  if ok "$c"; then echo "$c"; exit 0; fi
done
echo "gpfed needs Python >= 3.12 (Mesa 3.5 requires it) and none was found." >&2
echo "Install one (e.g. 'pyenv install 3.12') or set PYTHON=/path/to/python3.12." >&2
exit 1
