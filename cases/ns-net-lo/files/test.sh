#!/bin/sh
# The case's network namespace is new: none of the guest's interfaces are in it, and loopback
# works once brought up. Needs CAP_NET_ADMIN (asked for in case.yaml) and CAP_NET_RAW (a default).

. /case/lib/tap.sh

# Kernels with tunnel drivers loaded give every new namespace their fallback devices; those are
# not the guest's interfaces leaking in.
foreign() { grep -v -x -e lo -e sit0 -e tunl0 -e ip6tnl0 -e ip6gre0 -e gre0 -e gretap0 -e erspan0 -e ip_vti0 -e ip6_vti0; }

echo 'TAP version 14'
echo '1..4'

links=$(ip link show 2>&1 | sed -n 's/^[0-9]*: \([^:@]*\).*/\1/p')
others=$(echo "$links" | foreign)
report 'ip link shows no interface but lo' "$links" [ -z "$others" ]

# sysfs shows the namespace it was mounted from, so this catches a /sys bound from the guest.
sysnet=$(ls /sys/class/net 2>&1)
others=$(echo "$sysnet" | foreign)
report '/sys/class/net shows no interface but lo' "$sysnet" [ -z "$others" ]

up=$(ip link set lo up 2>&1 && ip link show lo 2>&1)
case $up in
  *'<'*,UP[,\>]*) state=up ;;
  *) state=down ;;
esac
report 'lo can be brought up' "$up" [ "$state" = up ]

pong=$(ping -c 1 -W 1 127.0.0.1 2>&1)
replied=$?
report 'ping 127.0.0.1 gets a reply' "$pong" [ "$replied" -eq 0 ]

[ "$failed" -eq 0 ]
