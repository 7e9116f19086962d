#!/bin/sh
# Container runtimes and the images' own services assume cgroup v2 only; a v1 or hybrid layout
# in the guest shows up here first.

. /case/lib/tap.sh

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
