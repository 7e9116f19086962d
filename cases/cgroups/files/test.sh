#!/bin/sh
# Container runtimes and the images' own services assume cgroup v2 only; a v1 or hybrid layout
# in the guest shows up here first.

n=0
failed=0
quote() { printf "'%s'" "$(printf '%s' "$1" | tr '\n' ' ' | sed "s/'/''/g")"; }
# report <description> <what was seen> <command...>: one test point, ok when the command succeeds.
report() {
  n=$((n + 1))
  description=$1
  seen=$2
  shift 2
  if "$@"; then
    echo "ok $n - $description"
    return
  fi
  failed=$((failed + 1))
  echo "not ok $n - $description"
  echo '  ---'
  echo "  got: $(quote "$seen")"
  echo '  ...'
}

echo 'TAP version 14'
echo '1..3'

# The last mount on a path is the one in effect.
fstype=$(awk '$2 == "/sys/fs/cgroup" { type = $3 } END { print type }' /proc/mounts)
report '/sys/fs/cgroup is a cgroup2 mount' "${fstype:-not mounted}" [ "$fstype" = cgroup2 ]

controllers=$(cat /sys/fs/cgroup/cgroup.controllers 2>&1)
readable=$?
report 'cgroup.controllers is readable' "$controllers" [ "$readable" -eq 0 ]

# `0::<path>` places the process in the unified hierarchy; without it cgroup2 is mounted but unused.
membership=$(cat /proc/self/cgroup 2>&1)
report 'this process has a place in the unified hierarchy' "$membership" grep -q '^0::/' /proc/self/cgroup

[ "$failed" -eq 0 ]
