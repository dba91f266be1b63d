#!/usr/bin/env bash
# sandbox_valgrind_request_at_run_time.sh - tests/hostile/valgrind_request_at_run_time.c as a student's 02-ipc-names, graded in
# every mode that it applies to: a leak, and a Valgrind client request written into executable memory at run time, where the build cannot see it (Gradescope grades under Valgrind).
# The sandbox is the same whoever starts the grader; this case shows it.
#
# exercise: 02-ipc-names
# modes: gradescope
# expect-score: 1.5
#
# Usage: sandbox_valgrind_request_at_run_time.sh CHECKOUT COURSE MARKERS (see test_hostile_trees in tests/run)
set -euo pipefail

main() {
  local checkout=$1 course=$2
  sed "s|@ROOT@|$course|g" "$course/tests/hostile/valgrind_request_at_run_time.c" \
    >"$checkout/exercises/02-ipc-names/ipcname.c"
}

main "$@"
