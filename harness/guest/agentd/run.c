/* `run UNIT CASE CONTAINER TIMEOUT [RUNTIME]`: one container of a case, as agent.sh's run_case. */
#include "agentd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Container root is this uid outside: the bundled rootfs are owned by it, so a user namespace changes
 * nothing a case can see, and root in a container is nobody in the guest. */
#define CONTAINER_ROOT_UID 100000

/* unshare-init.sh (written by agent.sh) mounts and chroots inside the new namespaces. */
static const char UNSHARE_SCRIPT[] = "hostname \"$1\" && exec sh \"$2\" \"$3\"";
static const char REDUCED[] = "export HARNESS_ISOLATION=reduced\n";

struct run {
	const char *unit, *id, *ctr, *runtime;
	unsigned long long limit;
	int unshare;
	char program[PATH_BYTES];
	char bundle[PATH_BYTES];
	char rootfs[PATH_BYTES];
	int mounted;
	/* The container's root user outside its user namespace, or -1 for none. */
	uid_t uid;
};

/* Case ids, container and rootfs names as the case schema allows them: they become paths here. */
static int valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 63) return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) return 0;
	}
	return 1;
}

__attribute__((format(printf, 2, 3))) static int path_of(char *buf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, PATH_BYTES, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= PATH_BYTES) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static void exit_frame(const struct run *r, const char *result)
{
	emit_textf("exit", "%s %s", r->unit, result);
}

static int mount_overlay(const char *lower, const struct run *r)
{
	char data[4096];
	int n = snprintf(data, sizeof data, "lowerdir=%s,upperdir=%s/upper,workdir=%s/work", lower, r->bundle, r->bundle);
	if (n < 0 || (size_t)n >= sizeof data) return -1;
	return mount("overlay", r->rootfs, "overlay", 0, data);
}

/* The rootfs without an overlay: a copy of the whole tree. */
static int copy_rootfs(const char *lower, const struct run *r)
{
	if (rmdir(r->rootfs) < 0 || mkdir(r->rootfs, 0700) < 0) return -1;
	int from = open_dir_at(AT_FDCWD, lower);
	int to = from < 0 ? -1 : open_dir_at(AT_FDCWD, r->rootfs);
	int rc = to < 0 ? -1 : copy_into(from, to, (uid_t)-1);
	int saved = errno;
	if (from >= 0) close(from);
	if (to >= 0) close(to);
	errno = saved;
	return rc;
}

static char script[256 * 1024];

/* The container's files: its rootfs, /case, the unshare script and the OCI config of the variant
 * this target allows. A problem is described in `why`. */
static int prepare(struct run *r, char *why, size_t cap)
{
	char src[PATH_BYTES], path[PATH_BYTES], lower[PATH_BYTES], name[256];
	if (path_of(src, "%s/cases/%s/%s", agent.payload, r->id, r->ctr) < 0 || path_of(path, "%s/rootfs-name", src) < 0) {
		snprintf(why, cap, "payload path too long");
		return -1;
	}
	ssize_t len = read_small(path, name, sizeof name);
	if (len < 0) {
		snprintf(why, cap, "rootfs-name of %s/%s: %s", r->id, r->ctr, strerror(errno));
		return -1;
	}
	while (len && name[len - 1] == '\n') name[--len] = '\0';
	if (!valid_name(name)) {
		snprintf(why, cap, "rootfs %s: not a rootfs name", name);
		return -1;
	}
	struct stat st;
	if (path_of(lower, "%s/%s/rootfs", agent.containers, name) < 0 || stat(lower, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(why, cap, "rootfs %s: no such rootfs on the target: %s/%s/rootfs", name, agent.containers, name);
		return -1;
	}
	r->uid = agent.userns && !r->unshare && st.st_uid == CONTAINER_ROOT_UID ? CONTAINER_ROOT_UID : (uid_t)-1;
	char upper[PATH_BYTES], work[PATH_BYTES];
	if (path_of(r->rootfs, "%s/rootfs", r->bundle) < 0 || path_of(upper, "%s/upper", r->bundle) < 0 || path_of(work, "%s/work", r->bundle) < 0 ||
	    mkdir(r->rootfs, 0777) < 0 || mkdir(upper, 0777) < 0 || mkdir(work, 0777) < 0 ||
	    (r->uid != (uid_t)-1 && (chown(upper, r->uid, r->uid) < 0 || chown(work, r->uid, r->uid) < 0))) {
		snprintf(why, cap, "rootfs %s: %s: %s", name, r->bundle, strerror(errno));
		return -1;
	}
	r->mounted = agent.overlay && mount_overlay(lower, r) == 0;
	if (!r->mounted && copy_rootfs(lower, r) < 0) {
		snprintf(why, cap, "rootfs %s: cannot copy %s: %s", name, lower, strerror(errno));
		return -1;
	}

	int rc = -1, root = open_dir_at(AT_FDCWD, r->rootfs), files = -1, box = -1;
	if (root < 0 || (mkdirat(root, "case", 0777) < 0 && errno != EEXIST) || (box = open_dir_at(root, "case")) < 0) {
		snprintf(why, cap, "rootfs %s: /case: %s", name, strerror(errno));
		goto out;
	}
	if (path_of(path, "%s/cases/%s/files", agent.payload, r->id) < 0) goto out;
	files = open_dir_at(AT_FDCWD, path);
	if (files < 0 && errno != ENOENT) {
		snprintf(why, cap, "case files of %s: %s", r->id, strerror(errno));
		goto out;
	}
	if (files >= 0 && copy_into(files, box, r->uid) < 0) {
		snprintf(why, cap, "case files of %s: %s", r->id, strerror(errno));
		goto out;
	}
	/* A case can tell it runs without the default profile, and say so instead of failing blind. */
	size_t at = 0;
	if (r->unshare) {
		memcpy(script, REDUCED, sizeof REDUCED - 1);
		at = sizeof REDUCED - 1;
	}
	ssize_t got = path_of(path, "%s/exec.sh", src) < 0 ? -1 : read_small(path, script + at, sizeof script - at);
	if (got > 0) at += (size_t)got;
	if (write_file_at(root, ".harness-exec.sh", script, at, 0666) < 0 ||
	    (r->uid != (uid_t)-1 && (fchown(box, r->uid, r->uid) < 0 || fchownat(root, ".harness-exec.sh", r->uid, r->uid, AT_SYMLINK_NOFOLLOW) < 0))) {
		snprintf(why, cap, "rootfs %s: /.harness-exec.sh: %s", name, strerror(errno));
		goto out;
	}
	const char *config = agent.nopivot ? "config-nopivot.json" : r->uid == (uid_t)-1 ? "config-rootns.json" : "config.json";
	int bundle = open_dir_at(AT_FDCWD, r->bundle);
	int copied = bundle >= 0 && path_of(path, "%s/%s", src, config) == 0 && copy_file_to(path, bundle, "config.json") == 0;
	if (bundle >= 0) close(bundle);
	/* The unshare fallback has no use for an OCI config. */
	if (!copied && !r->unshare) {
		snprintf(why, cap, "%s of %s/%s: %s", config, r->id, r->ctr, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (root >= 0) close(root);
	if (box >= 0) close(box);
	if (files >= 0) close(files);
	return rc;
}

/* Sends what one read gives as a frame; the stream is closed at its end. */
static void pump(int *fd, const char *kind)
{
	static unsigned char chunk[CHUNK_BYTES];
	ssize_t n = read(*fd, chunk, sizeof chunk);
	if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
	if (n > 0) {
		emit(kind, chunk, (size_t)n);
		return;
	}
	close(*fd);
	*fd = -1;
}

/* Streams stdout and stderr until both end and the child has exited (none to wait for when `pid`
 * is -1), or until `deadline`; returns 0 then, 1 when all ended in time (the wait status in
 * `status`). */
static int stream(pid_t pid, int fds[2], int64_t deadline, int *status)
{
	static const char *const kinds[2] = { "stdout", "stderr" };
	int done = pid < 0;
	while (fds[0] >= 0 || fds[1] >= 0 || !done) {
		int64_t left = deadline - now_ms();
		if (left <= 0) return 0;
		struct pollfd p[3] = { { .fd = signal_fd(), .events = POLLIN } };
		int which[3] = { -1, -1, -1 }, count = 1;
		for (int i = 0; i < 2; i++) {
			if (fds[i] < 0) continue;
			p[count] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
			which[count++] = i;
		}
		poll(p, (nfds_t)count, left > INT_MAX ? INT_MAX : (int)left);
		for (int k = 1; k < count; k++) {
			if (p[k].revents) pump(&fds[which[k]], kinds[which[k]]);
		}
		if (!done) {
			reap();
			done = exited(pid, status);
		}
	}
	return 1;
}

/*
 * crun guards against a container overwriting the runtime binary (CVE-2019-5736) by copying itself
 * into a sealed memfd and executing that, at every start: measured under TCG, that loads crun three
 * times and costs a quarter of a case. A copy sealed as crun seals its own passes crun's check, so
 * made once per agent it keeps the guard and each start loads crun once. -1 where it cannot be made
 * (asked once per program): crun then guards itself as before.
 */
static int runtime_image(const struct run *r)
{
	static int image = -1;
	static char made_from[PATH_BYTES];
	if (strcmp(r->runtime, "crun")) return -1;
	if (strcmp(made_from, r->program)) {
		if (image >= 0) close(image);
		image = sealed_copy(r->program);
		snprintf(made_from, sizeof made_from, "%s", r->program);
	}
	return image;
}

static void execute(struct run *r)
{
	char state_oci[PATH_BYTES], init[PATH_BYTES], name[32];
	int out[2] = { -1, -1 }, err[2] = { -1, -1 };
	if (path_of(state_oci, "%s/oci", agent.state) < 0 || path_of(init, "%s/unshare-init.sh", agent.state) < 0 ||
	    pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		emit_textf("error", "cannot start %s: %s", r->runtime, strerror(errno));
		exit_frame(r, "125");
		goto out;
	}
	snprintf(name, sizeof name, "h%s", r->unit);
	const char *oci[] = { r->program, "--root", state_oci, "run", "-b", r->bundle, name, NULL };
	const char *oci_nopivot[] = { r->program, "--root", state_oci, "run", "--no-pivot", "-b", r->bundle, name, NULL };
	const char *unshare[] = { r->program, "-m", "-u", "-i", "-n", "-p", "-f", "sh", "-c", UNSHARE_SCRIPT, "x", r->id, init, r->rootfs, NULL };
	int image = runtime_image(r);
	pid_t pid = spawn(r->unshare ? unshare : agent.nopivot ? oci_nopivot : oci, image, r->bundle, out[1], err[1]);
	int spawned = errno;
	close(out[1]);
	close(err[1]);
	if (pid < 0) {
		emit_textf("error", "cannot start %s: %s", r->runtime, strerror(spawned));
		exit_frame(r, "125");
		goto out;
	}
	int fds[2] = { out[0], err[0] }, status = 0;
	out[0] = err[0] = -1;
	int64_t deadline = now_ms() + (int64_t)r->limit * 1000;
	if (stream(pid, fds, deadline, &status)) {
		char code[16];
		snprintf(code, sizeof code, "%d", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		exit_frame(r, code);
	} else {
		kill(-pid, SIGKILL);
		/* `run` removes a container that exits; one killed here is left to delete. */
		const char *del[] = { r->program, "--root", state_oci, "delete", "-f", name, NULL };
		if (!r->unshare) run_quietly(del, image, 10000);
		if (!wait_for(pid, 5000, &status)) forget(pid);
		/* What it wrote before it was killed still goes to the host. */
		stream(-1, fds, now_ms() + 2000, &status);
		exit_frame(r, "timeout");
	}
	for (int i = 0; i < 2; i++) {
		if (fds[i] >= 0) close(fds[i]);
	}
out:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0) close(out[i]);
		if (err[i] >= 0) close(err[i]);
	}
}

void run_case(char *const w[], int count)
{
	struct run r = { .unit = count > 1 ? w[1] : "", .id = count > 2 ? w[2] : "", .ctr = count > 3 ? w[3] : "", .runtime = count > 5 ? w[5] : agent.runtime };
	unsigned long long unit;
	emit_textf("case-begin", "%s %s %s", r.unit, r.id, r.ctr);
	if (!parse_uint(r.unit, 999999999, &unit) || !valid_name(r.id) || !valid_name(r.ctr) || count < 5 || !parse_uint(w[4], 100000000, &r.limit)) {
		emit_text("error", "malformed run command");
		exit_frame(&r, "125");
		return;
	}
	if (strcmp(r.runtime, "crun") && strcmp(r.runtime, "runc") && strcmp(r.runtime, "unshare")) {
		emit_textf("error", "unknown runtime %s (crun, runc or unshare)", r.runtime);
		exit_frame(&r, "125");
		return;
	}
	if (!find_program(r.runtime, r.program, sizeof r.program)) {
		emit_textf("error", "runtime %s is not available on this target", r.runtime);
		exit_frame(&r, "125");
		return;
	}
	r.unshare = strcmp(r.runtime, "unshare") == 0;
	r.uid = (uid_t)-1;
	char why[3 * PATH_BYTES] = "";
	if (path_of(r.bundle, "%s/u%s", agent.state, r.unit) < 0 || path_of(r.rootfs, "%s/rootfs", r.bundle) < 0) {
		emit_text("error", "state path too long");
		exit_frame(&r, "125");
		return;
	}
	/* What an earlier agent left behind under this unit's name. */
	umount2(r.rootfs, MNT_DETACH);
	remove_tree(r.bundle);
	if (mkdir(r.bundle, 0711) < 0 || chmod(r.bundle, 0711) < 0) {
		emit_textf("error", "bundle %s: %s", r.bundle, strerror(errno));
		exit_frame(&r, "125");
		return;
	}
	if (prepare(&r, why, sizeof why) < 0) {
		emit_text("error", why);
		exit_frame(&r, "125");
	} else {
		execute(&r);
	}
	if (r.mounted) umount2(r.rootfs, MNT_DETACH);
	remove_tree(r.bundle);
}
