#!/usr/bin/env bash
# setup.sh - Gradescope runs this once, as root, when it builds the autograder
# image: it installs what grading needs (the same script that make uses) and
# builds the grader. The zip's files are in /autograder/source, this file too.
set -euo pipefail

main() {
  cd "$(dirname "${BASH_SOURCE[0]}")"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  grader/setup grade
  make -s build/grader/grade
}

main "$@"
