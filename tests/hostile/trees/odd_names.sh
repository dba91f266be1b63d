#!/usr/bin/env bash
# odd_names.sh - beside a correct ipcname.c, sources whose names hold what
# make or a shell reads as syntax: a colon (a rule), a percent sign (a
# pattern), a semicolon (a recipe), a newline, a space, and a leading dash
# (an option). Each is refused and named, the newline shown as \n.
#
# exercise: 02-ipc-names
# modes: make batch batch-nobody gradescope
# expect-score: 0
# expect-output: 02-ipc-names/a:b.c is not a plain file name
# expect-output: 02-ipc-names/100%.c is not a plain file name
# expect-output: 02-ipc-names/x;y.c is not a plain file name
# expect-output: 02-ipc-names/new\nline.c is not a plain file name
# expect-output: 02-ipc-names/my helper.h is not a plain file name
# expect-output: 02-ipc-names/-o.c is not a plain file name
# expect-json: 02-ipc-names/new\nline.c is not a plain file name
# expect-json: 02-ipc-names/-o.c is not a plain file name
#
# Usage: odd_names.sh CHECKOUT COURSE MARKERS (see test_hostile_trees in tests/run)
set -euo pipefail

main() {
  local checkout=$1 course=$2 folder
  folder=$checkout/exercises/02-ipc-names
  cp "$course/solutions/02-ipc-names/ipcname.c" "$folder/"
  touch "$folder/a:b.c" "$folder/100%.c" "$folder/x;y.c" "$folder/new"$'\n'"line.c" \
    "$folder/my helper.h" "$folder/-o.c"
}

main "$@"
