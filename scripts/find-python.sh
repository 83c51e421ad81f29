#!/usr/bin/env bash
# Print the path of a Python 3.12 interpreter (hssm needs >= 3.12), or explain and fail.
# Order: $PYTHON, python3.12 on PATH, pyenv's 3.12.x, common system paths.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 12) and sys.version_info[:2] < (3, 14) else 1)' 2>/dev/null; }
if [ -n "${PYTHON:-}" ]; then
  if ok "$PYTHON"; then command -v "$PYTHON"; exit 0; fi
  echo "error: PYTHON=$PYTHON is not a Python 3.12 or 3.13 interpreter" >&2; exit 1
fi
cands=(python3.12 python3.13)
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for d in "$root"/versions/3.12.* "$root"/versions/3.13.*; do [ -x "$d/bin/python" ] && cands+=("$d/bin/python"); done
fi
[ -d "$HOME/.pyenv/versions" ] && for d in "$HOME"/.pyenv/versions/3.12.*; do [ -x "$d/bin/python" ] && cands+=("$d/bin/python"); done
cands+=(/usr/bin/python3.12 /usr/local/bin/python3.12 python3)
for c in "${cands[@]}"; do
  p=$(command -v "$c" 2>/dev/null) || continue
  if ok "$p"; then echo "$p"; exit 0; fi
done
cat >&2 <<'MSG'
error: no Python 3.12 found (hssm needs Python >= 3.12; the default python3 here is older).
Install one (for example `pyenv install 3.12`) or point to it: `make test PYTHON=/path/to/python3.12`.
MSG
exit 1
