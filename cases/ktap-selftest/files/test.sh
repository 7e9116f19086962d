#!/bin/sh
# Exercises the host's KTAP parsing with what kunit prints: a suite nested two spaces deep with
# its own version line and plan, `name` without a dash, a SKIP, and the suite's tally as comments.

pass=0
fail=0
skip=0
n=0
# point <name> <command...>: one kunit-style test case inside the suite.
point() {
  name=$1
  shift
  n=$((n + 1))
  if "$@"; then
    pass=$((pass + 1))
    echo "  ok $n $name"
  else
    fail=$((fail + 1))
    echo "  not ok $n $name"
  fi
}

echo 'KTAP version 1'
echo '1..1'
echo '  KTAP version 1'
echo '  # Subtest: harness_selftest'
echo '  # module: harness_selftest'
echo '  1..3'
point harness_selftest_arith [ $((1 << 10)) -eq 1024 ]
point harness_selftest_proc [ -r /proc/self/status ]
n=$((n + 1))
skip=$((skip + 1))
echo "  ok $n harness_selftest_kvm # SKIP no hardware virtualisation inside a container"
echo "# harness_selftest: pass:$pass fail:$fail skip:$skip total:$n"
echo "# Totals: pass:$pass fail:$fail skip:$skip total:$n"
if [ "$fail" -eq 0 ]; then
  echo 'ok 1 harness_selftest'
else
  echo 'not ok 1 harness_selftest'
  exit 1
fi
