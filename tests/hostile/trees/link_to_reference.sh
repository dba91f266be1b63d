#!/usr/bin/env bash
# link_to_reference.sh - ipcname.c is a symbolic link to the course's own
# reference, by the relative path that the README's layout for --batch gives
# (../../../../course/solutions/...): followed, it earned full marks. A link
# is never followed: it is named and the exercise is not graded.
#
# exercise: 02-ipc-names
# modes: make batch batch-nobody gradescope github
# expect-score: 0
# expect-output: 02-ipc-names/ipcname.c is a symbolic link: not graded
# expect-json: 02-ipc-names/ipcname.c is a symbolic link: not graded
#
# Usage: link_to_reference.sh CHECKOUT COURSE MARKERS (see test_hostile_trees in tests/run)
set -euo pipefail

main() {
  local checkout=$1 course=$2 folder
  folder=$checkout/exercises/02-ipc-names
  rm "$folder/ipcname.c"
  ln -s "$(realpath --relative-to="$folder" "$course/solutions/02-ipc-names/ipcname.c")" \
    "$folder/ipcname.c"
}

main "$@"
