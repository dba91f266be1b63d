#!/usr/bin/env bash
# link_outside.sh - sources that are links to files outside the course:
# ipcname.c to /etc/passwd, a helper header to /etc/shadow. Copied as root,
# their contents came back in the build log; a link is never followed, and
# neither file's contents may appear in any output.
#
# exercise: 02-ipc-names
# modes: make batch batch-nobody
# expect-score: 0
# expect-output: 02-ipc-names/ipcname.c is a symbolic link: not graded
# expect-output: 02-ipc-names/secrets.h is a symbolic link: not graded
# expect-json: 02-ipc-names/secrets.h is a symbolic link: not graded
# forbid-contents: /etc/passwd /etc/shadow
#
# Usage: link_outside.sh CHECKOUT COURSE MARKERS (see test_hostile_trees in tests/run)
set -euo pipefail

main() {
  local folder=$1/exercises/02-ipc-names
  rm "$folder/ipcname.c"
  ln -s /etc/passwd "$folder/ipcname.c"
  ln -s /etc/shadow "$folder/secrets.h"
}

main "$@"
