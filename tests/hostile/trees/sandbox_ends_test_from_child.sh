#!/usr/bin/env bash
# sandbox_ends_test_from_child.sh - tests/hostile/ends_test_from_child.c as a student's 02-ipc-names, graded in
# every mode that it applies to: a child of each test's process sends the test's end event, signed with the key read out of the harness's memory, after the test's own process is gone.
# The sandbox is the same whoever starts the grader; this case shows it.
#
# exercise: 02-ipc-names
# modes: make batch batch-nobody gradescope github
# expect-score: 0
#
# Usage: sandbox_ends_test_from_child.sh CHECKOUT COURSE MARKERS (see test_hostile_trees in tests/run)
set -euo pipefail

main() {
  local checkout=$1 course=$2
  sed "s|@ROOT@|$course|g" "$course/tests/hostile/ends_test_from_child.c" \
    >"$checkout/exercises/02-ipc-names/ipcname.c"
}

main "$@"
