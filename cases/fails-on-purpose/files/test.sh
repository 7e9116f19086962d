#!/bin/sh
# A harness that never shows a failure proves nothing. This case must come out as `fail`, with the
# second assert's diagnostic in the report and exit code 1. Selection leaves it out unless
# `--label fails-on-purpose` asks for it.

echo 'TAP version 14'
echo '1..2'
echo 'ok 1 - this assert passes'
echo 'not ok 2 - this assert fails on purpose'
echo '  ---'
echo '  message: the expected value is wrong on purpose'
echo '  severity: fail'
echo '  found: 1'
echo '  wanted: 2'
echo "  at: '/case/test.sh'"
echo '  ...'
exit 1
