#!/bin/sh
# A private PID namespace: PID 1 is the container's first process, the guest's init and kernel
# threads are out of sight, and only the container's own handful of processes shows in /proc.

. /case/lib/tap.sh

echo 'TAP version 14'
echo '1..4'

# Outside a PID namespace the walk also ends at 1, through the agent and init; it is the process
# count and PID 2 below that tell the two apart.
pid=$$
hops=0
while [ "$pid" -gt 1 ] && [ "$hops" -lt 8 ]; do
  pid=$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status")
  hops=$((hops + 1))
done
near=no
[ "$pid" -le 1 ] && [ "$hops" -le 3 ] && near=yes
report "the shell's parent chain reaches PID 1 within 3 hops" "PID $pid after $hops hops" [ "$near" = yes ]

count=$(ls /proc | grep -c '^[0-9]')
report 'at most 10 processes are visible' "$count processes" [ "$count" -le 10 ]

# PID 2 is kthreadd in the initial namespace and in no other.
comm=$(cat /proc/2/comm 2>/dev/null)
report 'kernel threads are not visible' "PID 2 is ${comm:-absent}" [ "$comm" != kthreadd ]

cmdline=$(tr '\0' ' ' </proc/1/cmdline)
argv0=${cmdline%% *}
report "PID 1 is not the guest's init" "PID 1 is $cmdline" [ "${argv0##*/}" != init ]

[ "$failed" -eq 0 ]
