#!/bin/sh
# The harness reads the kernel on the console and relies on panic=-1 to turn a panic into a
# QEMU exit instead of a hang; both must reach the kernel intact.

. /case/lib/tap.sh

echo 'TAP version 14'
echo '1..2'

cmdline=$(cat /proc/cmdline 2>&1)
# Padding with spaces matches whole words only, so panic=-10 is not taken for panic=-1.
case " $cmdline " in *' console='*) console=yes ;; *) console=no ;; esac
case " $cmdline " in *' panic=-1 '*) panic=yes ;; *) panic=no ;; esac
report '/proc/cmdline has console=' "$cmdline" [ "$console" = yes ]
report '/proc/cmdline has panic=-1' "$cmdline" [ "$panic" = yes ]

[ "$failed" -eq 0 ]
