#!/bin/sh
# The runtime names the UTS namespace after the case; setting the hostname is allowed there
# (the case asks for CAP_SYS_ADMIN in case.yaml) and touches only this namespace.

. /case/lib/tap.sh

echo 'TAP version 14'
echo '1..3'

name=$(hostname 2>&1)
report "hostname is the case id ($HARNESS_CASE)" "$name" [ "$name" = "$HARNESS_CASE" ]

renamed="$HARNESS_CASE-renamed"
out=$(hostname "$renamed" 2>&1)
status=$?
report 'setting the hostname succeeds' "$out" [ "$status" -eq 0 ]

name=$(uname -n 2>&1)
report "uname -n shows the new hostname" "$name" [ "$name" = "$renamed" ]

[ "$failed" -eq 0 ]
