#!/usr/bin/env bash
# sandbox_kills_everything.sh - tests/hostile/kills_everything.c as a student's 02-ipc-names, graded in
# every mode that it applies to: ipc_name_make sends SIGKILL to every process it may signal.
# The sandbox is the same whoever starts the grader; this case shows it.
#
# exercise: 02-ipc-names
# modes: make batch batch-nobody gradescope github
# expect-score: 1.5
#
# Usage: sandbox_kills_everything.sh CHECKOUT COURSE MARKERS (see test_hostile_trees in tests/run)
set -euo pipefail

main() {
  local checkout=$1 course=$2
  sed "s|@ROOT@|$course|g" "$course/tests/hostile/kills_everything.c" \
    >"$checkout/exercises/02-ipc-names/ipcname.c"
}

main "$@"
