#!/bin/sh
# The contract between the runtime and every case: the HARNESS_* variables and the case's own env,
# a writable /tmp, and an exit code that reaches the host.

. /case/lib/tap.sh

echo 'TAP version 14'
echo '1..8'

case $HARNESS_ARCH in x86_64 | arm64 | s390x) known=yes ;; *) known=no ;; esac
report 'HARNESS_ARCH is x86_64, arm64 or s390x' "HARNESS_ARCH=$HARNESS_ARCH" [ "$known" = yes ]
report 'HARNESS_CASE is this case' "HARNESS_CASE=$HARNESS_CASE" [ "$HARNESS_CASE" = env-and-exit ]
report 'HARNESS_PLATFORM is set' "HARNESS_PLATFORM=$HARNESS_PLATFORM" [ -n "$HARNESS_PLATFORM" ]
report "case.yaml's env reaches the container" "CASE_GREETING=$CASE_GREETING" [ "$CASE_GREETING" = 'hello from case.yaml' ]
report 'quotes and $() in an env value arrive as text' "CASE_HOSTILE=$CASE_HOSTILE" [ "$CASE_HOSTILE" = "it's \"quoted\" \$(touch /tmp/pwned) \`touch /tmp/pwned2\` ; exit 7" ]

scratch=/tmp/env-and-exit.$$
written=$(echo "written by $$" 2>&1 >"$scratch")
report '/tmp is writable' "$written" [ -f "$scratch" ]
back=$(cat "$scratch" 2>&1)
report '/tmp gives back what was written' "$back" [ "$back" = "written by $$" ]
rm -f "$scratch"
# ns-rootfs runs later in the same boot and checks that this file did not leak into its rootfs.
left=$(echo "left by env-and-exit" 2>&1 >/etc/left-by-env-and-exit)
report 'the rootfs is writable' "$left" [ -f /etc/left-by-env-and-exit ]

[ "$failed" -eq 0 ]
