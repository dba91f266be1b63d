#!/usr/bin/env bash
# answers_device.sh - written answers that are device nodes of their own,
# made here with the numbers of /dev/kmsg (see answers_kmsg.sh): what a
# folder copied from a student's machine may hold, though not an upload to
# Gradescope. Neither is opened: each is named and its exercise not graded.
#
# exercise: 02-ipc-names
# modes: make batch batch-nobody
# root-only: yes
# expect-score: 0
# expect-output: 01-pipes-vs-shm/ANSWERS.md is a device: not graded
# expect-output: 02-ipc-names/ANSWERS.md is a device: not graded
# expect-json: 02-ipc-names/ANSWERS.md is a device: not graded
#
# Usage: answers_device.sh CHECKOUT COURSE MARKERS (see test_hostile_trees in tests/run)
set -euo pipefail

main() {
  local checkout=$1 course=$2 answers
  cp "$course/solutions/02-ipc-names/ipcname.c" "$checkout/exercises/02-ipc-names/"
  for answers in "$checkout"/exercises/0[12]-*/ANSWERS.md; do
    rm "$answers"
    mknod "$answers" c 1 11
  done
}

main "$@"
