#!/usr/bin/env bash
# The nightly history between runners: history.json on the harness-history branch (docs/ci.md).
#   restore  merge the branch's history.json into $HISTORY (nothing to do on the first night)
#   save     export $HISTORY and commit it to the branch
# Run from the checkout, whose persisted credentials fetch and push.
set -euo pipefail
: "${HISTORY:?HISTORY names the SQLite history}"
BRANCH=harness-history
# A container's workspace belongs to another user; git refuses to read it without this.
git config --global --add safe.directory "$PWD"

case "${1:-}" in
restore)
  if git fetch -q --depth 1 origin "$BRANCH" 2>/dev/null; then
    git show FETCH_HEAD:history.json > "$RUNNER_TEMP/history.json"
    node bin/harness.js history import "$RUNNER_TEMP/history.json" --history "$HISTORY"
  else
    echo "no $BRANCH branch yet: tonight starts the history"
  fi
  ;;
save)
  tree="$RUNNER_TEMP/history-branch"
  if git fetch -q --depth 1 origin "$BRANCH" 2>/dev/null; then
    git worktree add -q --detach "$tree" FETCH_HEAD
  else
    git worktree add -q --detach "$tree" HEAD
    git -C "$tree" checkout -q --orphan "$BRANCH"
    git -C "$tree" rm -rfq .
  fi
  node bin/harness.js history export --history "$HISTORY" --out "$tree/history.json"
  git -C "$tree" add history.json
  if git -C "$tree" diff --cached --quiet; then
    echo "history unchanged"
    exit 0
  fi
  git -C "$tree" -c user.name="harness nightly" -c user.email="harness-nightly@users.noreply.github.com" \
    commit -q -m "history after nightly run $GITHUB_RUN_ID ($GITHUB_SHA)"
  git -C "$tree" push -q origin "HEAD:refs/heads/$BRANCH"
  ;;
*)
  echo "usage: history.sh restore|save" >&2
  exit 2
  ;;
esac
