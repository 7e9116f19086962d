# Shared by the bundled cases (a suite's lib/ folder appears at /case/lib in every case container).
# POSIX sh, busybox applets only.
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
