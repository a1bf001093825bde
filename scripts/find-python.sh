#!/bin/sh
# Print the path of the newest supported Python on this machine: 3.13, then 3.12, then 3.11
# (setup.cfg's classifiers; tests/test_python_versions.py keeps the two lists equal).
# For each version, the candidates are every pythonX.Y on PATH, then pyenv's installs
# ($PYENV_ROOT, default ~/.pyenv; newest patch release first). A candidate counts only if it
# runs and reports that version: a pyenv shim is on PATH for every installed version but fails
# ("command not found") for one that is not selected. Exit 1 when none runs.
# The Makefile builds .venv with what this prints (`make PYTHON=/path/to/python3.x` overrides).

VERSIONS="3.13 3.12 3.11"
PYENV_DIR="${PYENV_ROOT:-$HOME/.pyenv}"

try() {  # print the interpreter's own path if "$1" runs and is Python "$2"
    [ -f "$1" ] && [ -x "$1" ] || return 1
    out=$("$1" -c 'import sys; print(sys.version_info[0], sys.version_info[1], sys.executable)' \
        2>/dev/null) || return 1
    set -- "$2" $out
    [ "$2.$3" = "$1" ] && [ -n "$4" ] || return 1
    shift 3
    echo "$*"
}

for v in $VERSIONS; do
    old_ifs=$IFS
    IFS=:
    for dir in $PATH; do
        IFS=$old_ifs
        try "${dir:-.}/python$v" "$v" && exit 0
    done
    IFS=$old_ifs
    for py in $(printf '%s\n' "$PYENV_DIR"/versions/"$v".*/bin/python"$v" | sort -r -V); do
        try "$py" "$v" && exit 0
    done
done
exit 1
