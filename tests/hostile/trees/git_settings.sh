#!/usr/bin/env bash
# git_settings.sh - a checkout whose own .git/config (a TA grading a copy of
# the student's working tree gets it with the tree) names commands: clean and
# smudge filters for every file (with the .gitattributes to match, committed),
# a diff driver, an external diff, an fsmonitor, hooks, and more of the same
# through include.path. The protected files are as the starter had them, but
# touched, so that a git diff against the working tree would run the clean
# filter. None of the commands may run (as root in --batch and in CI), and
# integrity must still find nothing changed.
#
# exercise: 02-ipc-names
# modes: batch batch-nobody github
# expect-score: 5
# expect-tampered: no
#
# Usage: git_settings.sh CHECKOUT COURSE MARKERS (see test_hostile_trees in tests/run)
set -euo pipefail

main() {
  local checkout=$1 course=$2 markers=$3 hook
  cp "$course/solutions/02-ipc-names/ipcname.c" "$checkout/exercises/02-ipc-names/"
  printf '* filter=pwn diff=pwn\n' >"$checkout/.gitattributes"
  git -C "$checkout" add -A
  git -C "$checkout" -c user.name=student -c user.email=student@example.com \
    commit -qm "02 done"
  mkdir -p "$checkout/.git/pwn-hooks"
  for hook in pre-commit post-checkout post-index-change reference-transaction \
    pre-auto-gc post-rewrite fsmonitor-watchman; do
    printf '#!/bin/sh\ntouch %s/hook-%s\n' "$markers" "$hook" >"$checkout/.git/pwn-hooks/$hook"
    chmod +x "$checkout/.git/pwn-hooks/$hook"
  done
  printf '[core]\n\tpager = touch %s/included-pager\n\tfsmonitor = touch %s/included-fsmonitor\n' \
    "$markers" "$markers" >"$checkout/.git/more-config"
  cat >>"$checkout/.git/config" <<CONFIG
[filter "pwn"]
	clean = touch $markers/filter-clean && cat
	smudge = touch $markers/filter-smudge && cat
	required = true
[diff "pwn"]
	command = touch $markers/diff-driver
	textconv = touch $markers/textconv
[diff]
	external = touch $markers/diff-external
[core]
	fsmonitor = touch $markers/fsmonitor
	hooksPath = $checkout/.git/pwn-hooks
	pager = touch $markers/pager
	sshCommand = touch $markers/ssh
[uploadpack]
	packObjectsHook = touch $markers/pack-objects-hook
[include]
	path = more-config
CONFIG
  # the working tree's stat data no longer matches the index
  find "$checkout/tests" "$checkout/Makefile" -type f -exec touch -d '+1 minute' {} +
}

main "$@"
