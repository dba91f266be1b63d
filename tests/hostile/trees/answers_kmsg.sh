#!/usr/bin/env bash
# answers_kmsg.sh - written answers that are links to /dev/kmsg, which a
# reader (root) finds endless: it waits for the next kernel message. The
# grader's main process read ANSWERS.md through the link and never came back.
# A link is never followed: each is named and its exercise is not graded.
#
# exercise: 02-ipc-names
# modes: make batch batch-nobody gradescope
# expect-score: 0
# expect-output: 01-pipes-vs-shm/ANSWERS.md is a symbolic link: not graded
# expect-output: 02-ipc-names/ANSWERS.md is a symbolic link: not graded
# expect-json: 02-ipc-names/ANSWERS.md is a symbolic link: not graded
#
# Usage: answers_kmsg.sh CHECKOUT COURSE MARKERS (see test_hostile_trees in tests/run)
set -euo pipefail

main() {
  local checkout=$1 course=$2 answers
  cp "$course/solutions/02-ipc-names/ipcname.c" "$checkout/exercises/02-ipc-names/"
  for answers in "$checkout"/exercises/0[12]-*/ANSWERS.md; do
    rm "$answers"
    ln -s /dev/kmsg "$answers"
  done
}

main "$@"
