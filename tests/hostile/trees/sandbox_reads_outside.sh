#!/usr/bin/env bash
# sandbox_reads_outside.sh - tests/hostile/reads_outside.c as a student's 02-ipc-names, graded in
# every mode that it applies to: its ipc_name_make works only where it can read the course's own files (the reference solution among them).
# The sandbox is the same whoever starts the grader; this case shows it.
#
# exercise: 02-ipc-names
# modes: make batch batch-nobody gradescope github
# expect-score: 1.5
#
# Usage: sandbox_reads_outside.sh CHECKOUT COURSE MARKERS (see test_hostile_trees in tests/run)
set -euo pipefail

main() {
  local checkout=$1 course=$2
  sed "s|@ROOT@|$course|g" "$course/tests/hostile/reads_outside.c" \
    >"$checkout/exercises/02-ipc-names/ipcname.c"
}

main "$@"
