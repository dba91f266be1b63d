#!/usr/bin/env bash
# not_git.sh - not hostile: a folder without its git repository (a zip of
# the working tree). Integrity says it was not checked; the exercises are
# graded as usual.
#
# exercise: 02-ipc-names
# modes: batch github
# expect-score: 5
# expect-tampered: no
# expect-output: not a git checkout: integrity not checked
#
# Usage: not_git.sh CHECKOUT COURSE MARKERS (see test_hostile_trees in tests/run)
set -euo pipefail

main() {
  local checkout=$1 course=$2
  cp "$course/solutions/02-ipc-names/ipcname.c" "$checkout/exercises/02-ipc-names/"
  rm -rf "$checkout/.git"
}

main "$@"
