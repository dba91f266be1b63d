#!/usr/bin/env bash
# special_files.sh - FIFOs where the grader expects files: the written
# answers of 01-pipes-vs-shm (read by the grader's main process, which a FIFO
# used to block forever, so that --batch wrote no gradebook) and a source of
# 02-ipc-names beside a correct ipcname.c. Nothing waits on them: each is
# named and its exercise is not graded.
#
# exercise: 02-ipc-names
# modes: make batch batch-nobody gradescope
# expect-score: 0
# expect-output: 01-pipes-vs-shm/ANSWERS.md is a FIFO: not graded
# expect-output: 02-ipc-names/guess.c is a FIFO: not graded
# expect-json: 02-ipc-names/guess.c is a FIFO: not graded
#
# Usage: special_files.sh CHECKOUT COURSE MARKERS (see test_hostile_trees in tests/run)
set -euo pipefail

main() {
  local checkout=$1 course=$2
  rm "$checkout/exercises/01-pipes-vs-shm/ANSWERS.md"
  mkfifo "$checkout/exercises/01-pipes-vs-shm/ANSWERS.md"
  cp "$course/solutions/02-ipc-names/ipcname.c" "$checkout/exercises/02-ipc-names/"
  mkfifo "$checkout/exercises/02-ipc-names/guess.c"
}

main "$@"
