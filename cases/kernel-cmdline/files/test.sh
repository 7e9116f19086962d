#!/bin/sh
# The harness reads the kernel on the console and relies on panic=-1 to turn a panic into a
# QEMU exit instead of a hang; both must reach the kernel intact.

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
echo '1..2'

cmdline=$(cat /proc/cmdline 2>&1)
# Padding with spaces matches whole words only, so panic=-10 is not taken for panic=-1.
case " $cmdline " in *' console='*) console=yes ;; *) console=no ;; esac
case " $cmdline " in *' panic=-1 '*) panic=yes ;; *) panic=no ;; esac
report '/proc/cmdline has console=' "$cmdline" [ "$console" = yes ]
report '/proc/cmdline has panic=-1' "$cmdline" [ "$panic" = yes ]

[ "$failed" -eq 0 ]
