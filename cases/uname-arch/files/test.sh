#!/bin/sh
# The harness names architectures after Debian and Go (arm64), the kernel after itself (aarch64).

. /case/lib/tap.sh

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
