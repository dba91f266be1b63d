#!/usr/bin/env bash
# shallow_clone.sh - not hostile: a checkout cloned with --depth 1 (as
# actions/checkout does by default) has no starter commit to compare with.
# Integrity says it was not checked; the exercises are graded as usual.
#
# exercise: 02-ipc-names
# modes: batch github
# expect-score: 5
# expect-tampered: no
# expect-output: shallow clone: integrity not checked
#
# Usage: shallow_clone.sh CHECKOUT COURSE MARKERS (see test_hostile_trees in tests/run)
set -euo pipefail

main() {
  local checkout=$1 course=$2 deep=$1.deep
  cp "$course/solutions/02-ipc-names/ipcname.c" "$checkout/exercises/02-ipc-names/"
  git -C "$checkout" -c user.name=student -c user.email=student@example.com \
    commit -qam "02 done"
  mv "$checkout" "$deep"
  git clone -q --depth 1 "file://$deep" "$checkout"
  rm -rf "$deep"
}

main "$@"
