#!/bin/sh
# The harness names architectures after Debian and Go (arm64), the kernel after itself (aarch64).

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

case $HARNESS_ARCH in
  x86_64) expected=x86_64 ;;
  arm64) expected=aarch64 ;;
  s390x) expected=s390x ;;
  *) expected='' ;;
esac
report "HARNESS_ARCH is a known architecture" "HARNESS_ARCH=$HARNESS_ARCH" [ -n "$expected" ]

machine=$(uname -m 2>&1)
report "uname -m is $expected" "$machine" [ "$machine" = "$expected" ]

[ "$failed" -eq 0 ]
