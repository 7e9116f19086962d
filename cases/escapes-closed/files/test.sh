#!/bin/sh
# Tries what a hostile case would try to reach the guest, the agent or another case
# (docs/security.md). Every test point passes only when that way is closed.

. /case/lib/tap.sh

echo 'TAP version 14'
if [ "${HARNESS_ISOLATION:-full}" = reduced ]; then
  echo '1..0 # SKIP the target runs cases without an OCI runtime (isolation: reduced); these escapes stay open there'
  exit 0
fi
echo '1..9'

# The kernel runs a core_pattern pipe helper as root in the initial namespaces.
before=$(cat /proc/sys/kernel/core_pattern 2>&1)
out=$( (echo '|/case/helper %p' >/proc/sys/kernel/core_pattern) 2>&1)
after=$(cat /proc/sys/kernel/core_pattern 2>&1)
report 'core_pattern cannot be written' "$out; now $after" [ "$after" = "$before" ]

# A procfs of its own would come without the read-only /proc/sys of the container's.
mkdir -p /tmp/proc
out=$(mount -t proc proc /tmp/proc 2>&1)
mounted=$?
if [ "$mounted" -eq 0 ]; then
  out="$out; mounted: $( (echo '|/case/helper' >/tmp/proc/sys/kernel/core_pattern) 2>&1)"
  umount /tmp/proc 2>/dev/null
fi
report 'a fresh procfs cannot be mounted' "$out" [ "$mounted" -ne 0 ]

# Any block device of the guest, 1:0 (ram0) when it has none. Closed means the node cannot be made,
# or opening it is refused: "no such device" only says there was nothing behind it this time.
dev=$(ls /sys/dev/block 2>/dev/null | head -n 1)
major=${dev%%:*}
minor=${dev##*:}
out=$(mknod /tmp/blk b "${major:-1}" "${minor:-0}" 2>&1 && dd if=/tmp/blk of=/dev/null bs=512 count=1 2>&1)
made=$?
refused=no
[ -e /tmp/blk ] || refused=yes
case $out in
  *'not permitted'*) refused=yes ;;
esac
[ "$made" -eq 0 ] && refused=no
report "a block device (${dev:-1:0}) cannot be made or opened" "$out" [ "$refused" = yes ]

# PID 1 of the container is the case's own shell; its root is the container's.
root1=$(ls /proc/1/root/ 2>&1 | tr '\n' ' ')
leak=no
for p in /proc/1/root/harness /proc/1/root/run/harness /proc/1/root/tmp/harness-agent.sh /proc/1/root/containers; do
  [ -e "$p" ] && leak="$p"
done
report "/proc/1/root shows no guest files" "$root1" [ "$leak" = no ]

agent=no
for c in /proc/[0-9]*/cmdline; do
  if tr '\0' ' ' <"$c" 2>/dev/null | grep -q 'harness-agent\|chan='; then agent=$c; fi
done
cmd1=$(tr '\0' ' ' </proc/1/cmdline)
report "no process shows the agent's command line (PID 1 is $cmd1)" "$agent" [ "$agent" = no ]

mkdir -p /tmp/mnt
out=$(mount -t tmpfs tmpfs /tmp/mnt 2>&1)
mounted=$?
[ "$mounted" -eq 0 ] && umount /tmp/mnt
report 'mount is refused' "$out" [ "$mounted" -ne 0 ]

# Garbage is enough: a permitted call fails with ENOEXEC, a refused one with EPERM.
printf 'not a module' >/tmp/x.ko
out=$(insmod /tmp/x.ko 2>&1)
report 'module loading is refused' "$out" sh -c 'case "$1" in *"not permitted"*) exit 0 ;; *) exit 1 ;; esac' x "$out"

out=$( (echo h >/proc/sysrq-trigger) 2>&1)
written=$?
report 'sysrq-trigger cannot be written' "$out" [ "$written" -ne 0 ]

report 'the kernel log cannot be read' "$(dmesg 2>&1 | head -n 1)" sh -c '! dmesg >/dev/null 2>&1'

[ "$failed" -eq 0 ]
