#!/usr/bin/env bash
# git_excludes_fifo.sh - a checkout whose .git/config names a FIFO as its
# core.excludesFile, which git reads for a working tree's untracked files: the
# integrity check used to wait on it forever. The student also committed a
# change to a test, which integrity must still find.
#
# exercise: 02-ipc-names
# modes: batch batch-nobody github
# expect-score: 5
# expect-tampered: yes
# expect-output: tests/02-ipc-names/test_ipcname.c
#
# Usage: git_excludes_fifo.sh CHECKOUT COURSE MARKERS (see test_hostile_trees in tests/run)
set -euo pipefail

main() {
  local checkout=$1 course=$2
  cp "$course/solutions/02-ipc-names/ipcname.c" "$checkout/exercises/02-ipc-names/"
  echo '/* made easier */' >>"$checkout/tests/02-ipc-names/test_ipcname.c"
  git -C "$checkout" -c user.name=student -c user.email=student@example.com \
    commit -qam "02 done"
  mkfifo "$checkout/.git/excludes"
  git -C "$checkout" config core.excludesFile "$checkout/.git/excludes"
}

main "$@"
