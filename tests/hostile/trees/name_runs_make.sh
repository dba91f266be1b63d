#!/usr/bin/env bash
# name_runs_make.sh - beside a correct ipcname.c, an empty source and an
# empty header whose names are a make function that runs a command:
# $(shell touch MARKER).c and .h. Make used to read the names of a folder's
# sources as its own text, running the command as whoever ran make (the TA,
# root on Gradescope and in CI); now both names are refused.
#
# exercise: 02-ipc-names
# modes: make batch batch-nobody gradescope github
# expect-score: 0
# expect-output: 02-ipc-names/$(shell touch $$(printf '
# expect-output: .c is not a plain file name (letters, digits, _ - and . only, not starting with -): not graded
# expect-output: .h is not a plain file name: not graded
# expect-json: .c is not a plain file name (letters, digits, _ - and . only, not starting with -): not graded
# expect-json: .h is not a plain file name: not graded
#
# Usage: name_runs_make.sh CHECKOUT COURSE MARKERS (see test_hostile_trees in tests/run)
set -euo pipefail

main() {
  local checkout=$1 course=$2 markers=$3 folder suffix marker
  folder=$checkout/exercises/02-ipc-names
  cp "$course/solutions/02-ipc-names/ipcname.c" "$folder/"
  for suffix in c h; do
    # a file name holds no slash: the marker's path has them as \057 for printf
    marker=$(printf '%s/ran-make-%s' "$markers" "$suffix" | sed 's|/|\\057|g')
    touch "$folder/\$(shell touch \$\$(printf '$marker')).$suffix"
  done
}

main "$@"
