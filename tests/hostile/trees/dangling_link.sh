#!/usr/bin/env bash
# dangling_link.sh - beside a correct ipcname.c, a link that names nothing
# here: a guess at where a reference might be on the grader's machine. Such
# links used to be passed over in silence, so a student could commit many;
# now each is named and the exercise is not graded.
#
# exercise: 02-ipc-names
# modes: make batch batch-nobody
# expect-score: 0
# expect-output: 02-ipc-names/guess.c is a symbolic link: not graded
# expect-json: 02-ipc-names/guess.c is a symbolic link: not graded
#
# Usage: dangling_link.sh CHECKOUT COURSE MARKERS (see test_hostile_trees in tests/run)
set -euo pipefail

main() {
  local checkout=$1 course=$2 folder
  folder=$checkout/exercises/02-ipc-names
  cp "$course/solutions/02-ipc-names/ipcname.c" "$folder/"
  ln -s ../../no-such-course/solutions/02-ipc-names/ipcname.c "$folder/guess.c"
}

main "$@"
