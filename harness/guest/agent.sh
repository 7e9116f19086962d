# harness agent (docs/protocol.md). POSIX sh, busybox-compatible; typed into the guest's console.
# usage: sh agent.sh NONCE PORT-NAME|console
NONCE=$1
WANT=$2
SEQ=0
STATE=/run/harness
mkdir -p "$STATE"

emit() {
	body="$NONCE $SEQ $1 ${2:--}"
	crc=$(printf '%s' "$body" | crc32)
	# A channel that vanished (device unplugged) must not silence the agent: it falls back to the
	# console, where the host takes any frame as word that the channel was lost.
	if ! printf '%s %s\n' "$body" "$crc" >&3 2>/dev/null; then
		exec 3>/dev/console
		printf '%s %s\n' "$body" "$crc" >&3
	fi
	SEQ=$((SEQ + 1))
}

emit_text() {
	emit "$1" "$(printf '%s' "$2" | base64 -w 0)"
}

# Sends everything readable on fd 5 as frames of KIND; chunks are one read each, so output streams
# while the container runs.
stream() {
	while :; do
		# 45000 bytes make a 60000-byte base64 payload: within the host's 64 KiB line limit.
		chunk=$(dd bs=45000 count=1 <&5 2>/dev/null | base64 -w 0)
		[ -n "$chunk" ] || break
		emit "$1" "$chunk"
	done
}

find_port() {
	for n in /sys/class/virtio-ports/*/name; do
		[ -r "$n" ] || continue
		if [ "$(cat "$n")" = "$1" ]; then
			d=${n%/name}
			echo "/dev/${d##*/}"
			return 0
		fi
	done
	return 1
}

CHAN=console
if [ "$WANT" != console ]; then
	modprobe virtio_console 2>/dev/null
	tries=0
	until DEV=$(find_port "$WANT") && [ -c "$DEV" ]; do
		tries=$((tries + 1))
		[ $tries -gt 20 ] && break
		sleep 0.1
	done
	[ -c "${DEV:-}" ] && CHAN=$DEV
fi
if [ "$CHAN" = console ]; then
	exec 3>&1 4<&0
else
	exec 3<>"$CHAN" 4<&3
fi

RUNTIME=unshare
for r in crun runc; do
	if command -v $r >/dev/null 2>&1; then
		RUNTIME=$r
		break
	fi
done
# An overlay over the shared base gives each case a writable rootfs without copying it.
modprobe overlay 2>/dev/null
OVERLAY=
grep -q overlay /proc/filesystems && OVERLAY=1

# runc/crun cannot pivot_root out of an initramfs; --no-pivot moves the root with chroot instead.
NOPIVOT=
[ "$(awk '$2 == "/" { print $3; exit }' /proc/mounts)" = rootfs ] && NOPIVOT=--no-pivot

emit_text hello "agent=$(crc32 <"$0")
runtime=$RUNTIME
kernel=$(uname -r)
arch=$(uname -m)
channel=$CHAN"

# The unshare fallback: the same namespaces as the OCI config, with the mounts done inside them.
cat >"$STATE/unshare-init.sh" <<'INNER'
r=$1
mount --make-rprivate / 2>/dev/null
mount -t proc proc "$r/proc"
mount -t sysfs -o ro sysfs "$r/sys"
mkdir -p "$r/sys/fs/cgroup" && mount -t cgroup2 cgroup2 "$r/sys/fs/cgroup" 2>/dev/null
mount -t tmpfs -o mode=755 dev "$r/dev"
set -- null 1 3 zero 1 5 full 1 7 random 1 8 urandom 1 9 tty 5 0
while [ $# -ge 3 ]; do
	mknod -m 666 "$r/dev/$1" c "$2" "$3"
	shift 3
done
mount -t tmpfs tmpfs "$r/tmp"
exec chroot "$r" /bin/sh /.harness-exec.sh
INNER

prepare_rootfs() {
	[ -d "$1" ] || { echo "no such rootfs in the image: $1"; return 1; }
	mkdir -p "$2/rootfs" "$2/upper" "$2/work"
	[ -n "$OVERLAY" ] && mount -t overlay overlay -o "lowerdir=$1,upperdir=$2/upper,workdir=$2/work" "$2/rootfs" && return 0
	rmdir "$2/rootfs" && cp -a "$1" "$2/rootfs"
}

run_case() {
	id=$1 ctr=$2 limit=$3
	src=/harness/cases/$id/$ctr
	b=$STATE/$id.$ctr
	rm -rf "$b"
	mkdir -p "$b"
	emit_text case-begin "$id $ctr"
	if ! prepare_rootfs "/containers/$(cat "$src/rootfs-name")/rootfs" "$b" 2>"$b/setup.err"; then
		emit_text error "rootfs $(cat "$src/rootfs-name"): $(cat "$b/setup.err")"
		emit_text exit 125
		return
	fi
	mkdir -p "$b/rootfs/case"
	[ -d "/harness/cases/$id/files" ] && cp -a "/harness/cases/$id/files/." "$b/rootfs/case/"
	cp "$src/config.json" "$b/config.json"
	cp "$src/exec.sh" "$b/rootfs/.harness-exec.sh"
	mkfifo "$b/out"
	name=h$SEQ
	(
		cd "$b" || exit 125
		case $RUNTIME in
		unshare) exec setsid unshare -m -u -i -n -p -f sh -c 'hostname "$1" && exec sh "$2" "$3"' x "$id" "$STATE/unshare-init.sh" "$b/rootfs" ;;
		*) exec setsid $RUNTIME --root "$STATE/oci" run $NOPIVOT -b "$b" "$name" ;;
		esac
	) >"$b/out" 2>"$b/err" &
	pid=$!
	setsid sh -c 'sleep "$1"; : >"$3"; kill -KILL -"$2"' watchdog "$limit" "$pid" "$b/timedout" &
	wd=$!
	exec 5<"$b/out"
	stream stdout
	exec 5<&-
	wait "$pid"
	rc=$?
	kill -KILL -"$wd" 2>/dev/null
	# `run` removes a container that exits; only one killed by the watchdog is left to delete.
	[ -e "$b/timedout" ] && [ "$RUNTIME" != unshare ] && $RUNTIME --root "$STATE/oci" delete -f "$name" >/dev/null 2>&1
	exec 5<"$b/err"
	stream stderr
	exec 5<&-
	if [ -e "$b/timedout" ]; then
		emit_text exit timeout
	else
		emit_text exit "$rc"
	fi
	umount "$b/rootfs" 2>/dev/null
	rm -rf "$b"
}

while read -r cmd a1 a2 a3 <&4; do
	case $cmd in
	run) run_case "$a1" "$a2" "$a3" ;;
	bye)
		emit bye
		sync
		poweroff -f
		;;
	esac
done
