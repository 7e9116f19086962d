#!/bin/sh
# The container's root is the busybox base plus the case's files; the guest's agent state
# (/harness) and the stock of container roots (/containers) must not be reachable from inside.

. /case/lib/tap.sh

echo 'TAP version 14'
echo '1..6'

report '/case/test.sh is the running script' "$(ls -l /case 2>&1)" [ -f /case/test.sh ]
report '/bin/busybox is present' "$(ls -l /bin/busybox 2>&1)" [ -x /bin/busybox ]
out=$(/bin/sh -c 'echo works' 2>&1)
report '/bin/sh runs' "$out" [ "$out" = works ]
report "the guest's /harness is not visible" "$(ls -d /harness/* 2>&1)" [ ! -e /harness ]
report "the guest's /containers is not visible" "$(ls -d /containers/* 2>&1)" [ ! -e /containers ]
# env-and-exit writes this file into its own rootfs earlier in the same boot.
report "another case's rootfs writes are not visible" "$(ls -l /etc/left-by-env-and-exit 2>&1)" [ ! -e /etc/left-by-env-and-exit ]

[ "$failed" -eq 0 ]
