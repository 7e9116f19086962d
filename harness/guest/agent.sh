# harness agent (docs/protocol.md). POSIX sh, busybox-compatible; typed into a console shell or
# exec'd over a command channel.
# usage: sh agent.sh chan=console|stdio|virtio:NAME bye=poweroff|exit state=DIR payload=DIR containers=DIR [applets=DIR]
# The first line on stdin is the nonce: it never appears in an argv, the environment or a file, so
# nothing a container can read holds it.
CHAN_WANT=console BYE=poweroff STATE=/run/harness PAYLOAD=/harness CONTAINERS=/containers
for kv in "$@"; do
	case $kv in
	chan=*) CHAN_WANT=${kv#chan=} ;;
	bye=*) BYE=${kv#bye=} ;;
	state=*) STATE=${kv#state=} ;;
	payload=*) PAYLOAD=${kv#payload=} ;;
	containers=*) CONTAINERS=${kv#containers=} ;;
	applets=*) PATH=${kv#applets=}:$PATH ;;
	esac
done
read -r NONCE
SEQ=0
# Private, but traversable: container root (uid 100000 outside its user namespace) must reach its
# bundle. Nothing in here is secret from a container, which cannot reach the guest's files anyway.
umask 077
mkdir -p "$STATE"
chmod 711 "$STATE"

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

CHAN=$CHAN_WANT
case $CHAN_WANT in
virtio:*)
	CHAN=console
	# Most images load the driver at boot; a modprobe there is one more program started for nothing.
	find_port "${CHAN_WANT#virtio:}" >/dev/null || modprobe virtio_console 2>/dev/null
	tries=0
	until DEV=$(find_port "${CHAN_WANT#virtio:}") && [ -c "$DEV" ]; do
		tries=$((tries + 1))
		[ $tries -gt 20 ] && break
		sleep 0.1
	done
	[ -c "${DEV:-}" ] && CHAN=$DEV
	;;
esac
case $CHAN in
console | stdio) exec 3>&1 4<&0 ;;
*) exec 3<>"$CHAN" 4<&3 ;;
esac
AGENT_CRC=$(crc32 <"$0")

# The compiled agent, when the host put one for this machine in the payload and it runs here: the
# same protocol with one fork per case instead of dozens. It gets the channel as fds 3 and 4, and the
# nonce on a pipe as fd 5: ash and dash make a short here-document a pipe, not a file.
AGENTD=$PAYLOAD/bin/harness-agentd-$(uname -m)
if [ -f "$AGENTD" ] && "$AGENTD" probe </dev/null >/dev/null 2>&1 3>&- 4<&-; then
	exec "$AGENTD" "$@" agent="$AGENT_CRC" channel="$CHAN" 5<<EOF
$NONCE
EOF
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

# runc/crun cannot pivot_root out of an initramfs; --no-pivot moves the root with chroot instead,
# which a process holding CAP_SYS_CHROOT could undo, so the host's config then drops that capability.
NOPIVOT=
[ "$(awk '$2 == "/" { print $3; exit }' /proc/mounts)" = rootfs ] && NOPIVOT=--no-pivot

# Container root is uid 100000 outside: the bundled rootfs are owned by it, so a user namespace
# changes nothing a case can see, and root in a container is nobody in the guest.
USERNS=
[ "$RUNTIME" != unshare ] && [ -e /proc/self/ns/user ] && USERNS=1

# busybox unshare keeps the guest root's capabilities: no profile applies (docs/security.md).
ISOLATION=full
[ "$RUNTIME" = unshare ] && ISOLATION=reduced

emit_text hello "agent=$AGENT_CRC
runtime=$RUNTIME
kernel=$(uname -r)
arch=$(uname -m)
channel=$CHAN
userns=${USERNS:-0}
isolation=$ISOLATION"

# The container's root user, outside its user namespace: none under busybox unshare.
owner() {
	[ -n "$USERNS" ] && [ "$rt" != unshare ] && [ "$(stat -c %u "$1")" = 100000 ] && echo 100000
}

prepare_rootfs() {
	[ -d "$1" ] || { echo "no such rootfs on the target: $1"; return 1; }
	mkdir -p "$2/rootfs" "$2/upper" "$2/work"
	[ -n "$3" ] && chown "$3:$3" "$2/upper" "$2/work"
	[ -n "$OVERLAY" ] && mount -t overlay overlay -o "lowerdir=$1,upperdir=$2/upper,workdir=$2/work" "$2/rootfs" && return 0
	rmdir "$2/rootfs" && cp -a "$1" "$2/rootfs"
}

# A case that names its runtime (case.yaml `runtime:`) gets that one or an infrastructure error;
# `missing` says why not (set without a subshell: a fork per case is what the agent avoids).
check_runtime() {
	missing=
	case $1 in
	crun | runc | unshare) command -v "$1" >/dev/null 2>&1 || missing="runtime $1 is not available on this target" ;;
	*) missing="unknown runtime $1 (crun, runc or unshare)" ;;
	esac
}

run_case() {
	unit=$1 id=$2 ctr=$3 limit=$4 rt=${5:-$RUNTIME}
	src=$PAYLOAD/cases/$id/$ctr
	b=$STATE/u$unit
	rm -rf "$b"
	mkdir -m 711 "$b"
	emit_text case-begin "$unit $id $ctr"
	check_runtime "$rt"
	if [ -n "$missing" ]; then
		emit_text error "$missing"
		emit_text exit "$unit 125"
		return
	fi
	lower=$CONTAINERS/$(cat "$src/rootfs-name")/rootfs
	uid=$(owner "$lower")
	if ! prepare_rootfs "$lower" "$b" "$uid" 2>"$b/setup.err"; then
		emit_text error "rootfs $(cat "$src/rootfs-name"): $(cat "$b/setup.err")"
		emit_text exit "$unit 125"
		return
	fi
	mkdir -p "$b/rootfs/case"
	[ -d "$PAYLOAD/cases/$id/files" ] && cp -a "$PAYLOAD/cases/$id/files/." "$b/rootfs/case/"
	# A case can tell it runs without the default profile, and say so instead of failing blind.
	{ [ "$rt" = unshare ] && echo 'export HARNESS_ISOLATION=reduced'; cat "$src/exec.sh"; } >"$b/rootfs/.harness-exec.sh"
	[ -n "$uid" ] && chown -R "$uid:$uid" "$b/rootfs/case" "$b/rootfs/.harness-exec.sh"
	config=config.json
	[ -z "$uid" ] && config=config-rootns.json
	[ -n "$NOPIVOT" ] && config=config-nopivot.json
	cp "$src/$config" "$b/config.json"
	mkfifo "$b/out"
	name=h$unit
	(
		cd "$b" || exit 125
		case $rt in
		unshare) exec setsid unshare -m -u -i -n -p -f sh -c 'hostname "$1" && exec sh "$2" "$3"' x "$id" "$STATE/unshare-init.sh" "$b/rootfs" ;;
		*) exec setsid "$rt" --root "$STATE/oci" run $NOPIVOT -b "$b" "$name" ;;
		esac
	# The agent's channel stays out of the container: it must not read commands or write into frames.
	) >"$b/out" 2>"$b/err" </dev/null 3>&- 4<&- &
	pid=$!
	setsid sh -c 'sleep "$1"; : >"$3"; kill -KILL -"$2"' watchdog "$limit" "$pid" "$b/timedout" </dev/null 3>&- 4<&- &
	wd=$!
	exec 5<"$b/out"
	stream stdout
	exec 5<&-
	wait "$pid"
	rc=$?
	kill -KILL -"$wd" 2>/dev/null
	# `run` removes a container that exits; only one killed by the watchdog is left to delete.
	[ -e "$b/timedout" ] && [ "$rt" != unshare ] && "$rt" --root "$STATE/oci" delete -f "$name" >/dev/null 2>&1
	exec 5<"$b/err"
	stream stderr
	exec 5<&-
	if [ -e "$b/timedout" ]; then
		emit_text exit "$unit timeout"
	else
		emit_text exit "$unit $rc"
	fi
	umount "$b/rootfs" 2>/dev/null
	rm -rf "$b"
}

# The Nth character of base64's alphabet, and base64 of a decimal number, in the shell itself: on a
# slow target every process counts, and each chunk's answer would otherwise cost two of them.
b64c() {
	b64i=$1
	set -- A B C D E F G H I J K L M N O P Q R S T U V W X Y Z a b c d e f g h i j k l m n o p q r s t u v w x y z 0 1 2 3 4 5 6 7 8 9 + /
	eval "B64C=\${$((b64i + 1))}"
}
b64_number() {
	bn_s=$1 B64N=
	while [ -n "$bn_s" ]; do
		if [ ${#bn_s} -le 3 ]; then bn_g=$bn_s bn_s=; else bn_r=${bn_s#???} && bn_g=${bn_s%"$bn_r"} && bn_s=$bn_r; fi
		bn_a=${bn_g%"${bn_g#?}"} bn_t=${bn_g#?}
		bn_b=${bn_t%"${bn_t#?}"} bn_c=${bn_t#?}
		bn_v=$(((48 + bn_a) << 16))
		[ -n "$bn_b" ] && bn_v=$((bn_v | (48 + bn_b) << 8))
		[ -n "$bn_c" ] && bn_v=$((bn_v | (48 + bn_c)))
		b64c $((bn_v >> 18 & 63)) && B64N=$B64N$B64C
		b64c $((bn_v >> 12 & 63)) && B64N=$B64N$B64C
		if [ -n "$bn_b" ]; then b64c $((bn_v >> 6 & 63)) && B64N=$B64N$B64C; else B64N=$B64N=; fi
		if [ -n "$bn_c" ]; then b64c $((bn_v & 63)) && B64N=$B64N$B64C; else B64N=$B64N=; fi
	done
}

# One chunk line into seq, b64 and sum. The shell's read takes a byte per system call; a console is
# a tty in canonical mode, where one read returns one line, so head takes the line in one. A pipe
# or a port may hold more than one line: there, read.
read_chunk() {
	if [ -t 4 ]; then
		chunk_line=$(head -n 1 <&4) && [ -n "$chunk_line" ] || return 1
		set -- $chunk_line
		seq=$1 b64=${2:-} sum=${3:-}
	else
		read -r seq b64 sum <&4
	fi
}

# put PATH MODE BYTES CHUNKS, then CHUNKS lines `SEQ BASE64 CRC`: a file for the payload folder,
# for targets where nothing can be put in place before the agent runs (a board's only UART, a
# restored snapshot). A chunk whose CRC does not match, or that comes out of order, is asked for
# again (`nak <expected seq>`); the host goes back to it. Checked chunks are kept as base64 and
# decoded once at the end.
put_file() {
	path=$PAYLOAD/$1 mode=$2 bytes=$3 chunks=$4
	mkdir -p "${path%/*}"
	: >"$path.b64"
	next=0
	while [ "$next" -lt "$chunks" ] && read_chunk; do
		if [ "$seq" = "$next" ] && printf '%s' "$b64" >"$STATE/chunk" && [ "$(crc32 <"$STATE/chunk")" = "$sum" ]; then
			printf '%s' "$b64" >>"$path.b64"
			b64_number "$seq"
			emit ack "$B64N"
			next=$((next + 1))
		else
			emit_text nak "$next"
		fi
	done
	if base64 -d "$path.b64" >"$path.part" 2>/dev/null && [ "$(wc -c <"$path.part")" -eq "$bytes" ]; then
		chmod "$mode" "$path.part" && mv "$path.part" "$path"
		emit_text ack done
	else
		emit_text nak size
	fi
	rm -f "$path.b64" "$path.part" "$STATE/chunk"
}

while read -r cmd a1 a2 a3 a4 a5 <&4; do
	case $cmd in
	run) run_case "$a1" "$a2" "$a3" "$a4" "$a5" ;;
	put) put_file "$a1" "$a2" "$a3" "$a4" ;;
	unpack)
		if out=$(tar -xf "$PAYLOAD/$a1" -C "$PAYLOAD" 2>&1); then
			rm -f "$PAYLOAD/$a1"
			emit_text ack unpacked
		else
			emit_text nak "$out"
		fi
		;;
	bye)
		emit bye
		case $BYE in
		poweroff)
			sync
			poweroff -f
			;;
		*) exit 0 ;;
		esac
		;;
	esac
done
