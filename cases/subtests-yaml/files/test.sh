#!/bin/sh
# Exercises the host's TAP 14 parsing: subtests introduced by `# Subtest:` and indented four
# spaces, a parent point that sums them up, and a YAML block on a point that passed.

# point <indent> <number> <description> <command...>: one test point; echoes its status so the
# parent can sum up its subtest.
point() {
  indent=$1
  number=$2
  description=$3
  shift 3
  if "$@"; then
    echo "${indent}ok $number - $description"
  else
    echo "${indent}not ok $number - $description"
    return 1
  fi
}

echo 'TAP version 14'
echo '1..3'

echo '# Subtest: arithmetic'
echo '    1..2'
arithmetic=ok
point '    ' 1 '2 + 3 = 5' [ $((2 + 3)) -eq 5 ] || arithmetic='not ok'
point '    ' 2 '7 * 6 = 42' [ $((7 * 6)) -eq 42 ] || arithmetic='not ok'
echo "$arithmetic 1 - arithmetic"

echo '# Subtest: strings'
echo '    1..2'
strings=ok
word=harness
point '    ' 1 'length of "harness" is 7' [ ${#word} -eq 7 ] || strings='not ok'
point '    ' 2 'suffix removal gives "har"' [ "${word%ness}" = har ] || strings='not ok'
echo "$strings 2 - strings"

kernel=$(uname -r)
point '' 3 'uname -r is not empty' [ -n "$kernel" ] || exit 1
echo '  ---'
echo "  kernel: '$kernel'"
echo "  arch: '$HARNESS_ARCH'"
echo '  checks:'
echo '    - subtests'
echo '    - yaml diagnostics'
echo '  ...'

[ "$arithmetic" = ok ] && [ "$strings" = ok ]
