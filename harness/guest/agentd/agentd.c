/*
 * usage (by agent.sh only): harness-agentd chan=… bye=… state=… payload=… containers=… [applets=…]
 *                           agent=<crc32 of agent.sh> channel=<device>
 * with frames going out on fd 3, commands coming in on fd 4 and the nonce as the one line on fd 5 (a
 * pipe). `harness-agentd probe` exits 0: agent.sh asks that before it hands over.
 */
#include "agentd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

struct agent agent = {
	.state = "/run/harness",
	.payload = "/harness",
	.containers = "/containers",
	.bye = "poweroff",
	.channel = "console",
	.agent_crc = "",
};

static int read_nonce(void)
{
	char buf[64];
	size_t len = 0;
	while (len < sizeof buf) {
		ssize_t n = read(NONCE_FD, buf + len, sizeof buf - len);
		if (n < 0 && errno == EINTR) continue;
		if (n <= 0) break;
		len += (size_t)n;
		if (memchr(buf, '\n', len)) break;
	}
	close(NONCE_FD);
	if (len < 17 || buf[16] != '\n') return -1;
	for (int i = 0; i < 16; i++) {
		if (!((buf[i] >= '0' && buf[i] <= '9') || (buf[i] >= 'a' && buf[i] <= 'f'))) return -1;
	}
	memcpy(agent.nonce, buf, 16);
	agent.nonce[16] = '\0';
	return 0;
}

static int take_arg(const char *arg)
{
	static const struct {
		const char *key;
		const char **value;
	} keys[] = {
		{ "bye=", &agent.bye },
		{ "state=", &agent.state },
		{ "payload=", &agent.payload },
		{ "containers=", &agent.containers },
		{ "channel=", &agent.channel },
		{ "agent=", &agent.agent_crc },
	};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		size_t n = strlen(keys[i].key);
		if (strncmp(arg, keys[i].key, n) == 0) {
			*keys[i].value = arg + n;
			return 0;
		}
	}
	if (strncmp(arg, "applets=", 8) == 0) {
		const char *path = getenv("PATH");
		char *joined;
		if (asprintf(&joined, "%s:%s", arg + 8, path ? path : "") < 0 || setenv("PATH", joined, 1) < 0) return -1;
		free(joined);
	}
	return 0;
}

static int has_overlay(void)
{
	static char text[16384];
	return read_small("/proc/filesystems", text, sizeof text) > 0 && strstr(text, "\toverlay\n") != NULL;
}

/* runc/crun cannot pivot_root out of an initramfs; --no-pivot moves the root with chroot instead,
 * which a process holding CAP_SYS_CHROOT could undo, so the host's config then drops that capability. */
static int root_is_rootfs(void)
{
	FILE *f = fopen("/proc/mounts", "re");
	if (!f) return 0;
	char *line = NULL;
	size_t cap = 0;
	int found = 0;
	while (getline(&line, &cap, f) > 0) {
		char *save, *device = strtok_r(line, " \t\n", &save), *dir = device ? strtok_r(NULL, " \t\n", &save) : NULL;
		char *type = dir ? strtok_r(NULL, " \t\n", &save) : NULL;
		if (dir && strcmp(dir, "/") == 0) {
			found = type && strcmp(type, "rootfs") == 0;
			break;
		}
	}
	free(line);
	fclose(f);
	return found;
}

/* The host checks this against the binary it sent, as it checks agent= against agent.sh. */
static int self_crc(uint32_t *crc)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0) return -1;
	static unsigned char buf[64 * 1024];
	uint32_t c = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0) c = crc32_update(c, buf, (size_t)n);
	close(fd);
	if (n < 0) return -1;
	*crc = c;
	return 0;
}

static void hello(void)
{
	char program[PATH_BYTES];
	agent.runtime = find_program("crun", program, sizeof program) ? "crun" : find_program("runc", program, sizeof program) ? "runc" : "unshare";
	/* An overlay over the shared base gives each case a writable rootfs without copying it. */
	agent.overlay = has_overlay();
	if (!agent.overlay && find_program("modprobe", program, sizeof program)) {
		const char *const argv[] = { program, "overlay", NULL };
		run_quietly(argv, -1, 10000);
		agent.overlay = has_overlay();
	}
	agent.nopivot = root_is_rootfs();
	agent.userns = strcmp(agent.runtime, "unshare") != 0 && access("/proc/self/ns/user", F_OK) == 0;
	struct utsname u;
	if (uname(&u) < 0) memset(&u, 0, sizeof u);
	uint32_t crc;
	char digest[16] = "unknown";
	if (self_crc(&crc) == 0) snprintf(digest, sizeof digest, "%08x", crc);
	/* busybox unshare keeps the guest root's capabilities: no profile applies (docs/security.md). */
	emit_textf("hello", "agent=%s\nagentd=%s\nruntime=%s\nkernel=%s\narch=%s\nchannel=%s\nuserns=%d\nisolation=%s", agent.agent_crc, digest,
		   agent.runtime, u.release, u.machine, agent.channel, agent.userns, strcmp(agent.runtime, "unshare") ? "full" : "reduced");
}

static void bye(void)
{
	emit("bye", NULL, 0);
	if (strcmp(agent.bye, "poweroff")) exit(0);
	/* On a serial console the frame must leave the UART, and the far side read it, before the
	 * power goes: a board's relay lost it to an immediate power-off. agent.sh's fork of poweroff
	 * gave it that time by accident. */
	if (isatty(FRAMES_FD)) {
		tcdrain(FRAMES_FD);
		nanosleep(&(struct timespec){ .tv_nsec = 200 * 1000 * 1000 }, NULL);
	}
	sync();
	/* What `poweroff -f` does; should it fail, the agent goes on reading commands as agent.sh does. */
	reboot(RB_POWER_OFF);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "probe") == 0) return 0;
	/* A program started as the agent starts the runtime, from a sealed copy: the benchmark's floor
	 * (bench/floor.ts) starts crun this way, so that it measures the container and not crun's copy. */
	if (argc >= 3 && strcmp(argv[1], "sealed-exec") == 0) {
		int image = sealed_copy(argv[2]);
		if (image >= 0) fexecve(image, argv + 2, environ);
		perror("harness-agentd: sealed-exec");
		return 127;
	}
	crc32_init();
	for (int i = 1; i < argc; i++) {
		if (take_arg(argv[i]) < 0) return 2;
	}
	if (read_nonce() < 0) {
		fputs("harness-agentd: no nonce on fd 5\n", stderr);
		return 2;
	}
	/* The channel is the agent's alone; nothing it starts inherits it, or anything else of it. */
	if (fcntl(FRAMES_FD, F_SETFD, FD_CLOEXEC) < 0 || fcntl(COMMANDS_FD, F_SETFD, FD_CLOEXEC) < 0) {
		fputs("harness-agentd: no channel on fds 3 and 4\n", stderr);
		return 2;
	}
	close_range(NONCE_FD, ~0u, 0);
	/* As agent.sh: files private to root, folders made traversable where a container needs them. */
	umask(077);
	if (signals_init() < 0) {
		perror("harness-agentd: signalfd");
		return 2;
	}
	hello();
	for (;;) {
		char *line, *w[6];
		size_t len;
		enum line_result got = read_line(&line, &len);
		if (got == LINE_EOF) return 0;
		if (got == LINE_LONG) continue;
		reap();
		int count = split_words(line, w, 6);
		if (count == 0) continue;
		if (strcmp(w[0], "run") == 0) run_case(w, count);
		else if (strcmp(w[0], "put") == 0) put_file(w, count);
		else if (strcmp(w[0], "unpack") == 0) unpack_payload(w, count);
		else if (strcmp(w[0], "bye") == 0) bye();
	}
}
