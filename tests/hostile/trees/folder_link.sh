#!/usr/bin/env bash
# folder_link.sh - the exercise folder itself, exercises/02-ipc-names, is a
# symbolic link to the course's solutions/02-ipc-names. The folders on the
# way to a submission's files are not followed either.
#
# exercise: 02-ipc-names
# modes: make batch batch-nobody gradescope github
# expect-score: 0
# expect-output: exercises/02-ipc-names is a symbolic link: not graded
# expect-json: exercises/02-ipc-names is a symbolic link: not graded
#
# Usage: folder_link.sh CHECKOUT COURSE MARKERS (see test_hostile_trees in tests/run)
set -euo pipefail

main() {
  local checkout=$1 course=$2
  rm -r "$checkout/exercises/02-ipc-names"
  ln -s "$(realpath --relative-to="$checkout/exercises" "$course/solutions/02-ipc-names")" \
    "$checkout/exercises/02-ipc-names"
}

main "$@"
