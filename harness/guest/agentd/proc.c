/* Children: started with nothing of the agent's but what they are given, and reaped, as PID 1 must. */
#include "agentd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int sigfd = -1;

/* The children the agent waits for; anything else that exits (an orphan handed to PID 1) is reaped
 * and forgotten. */
static struct {
	pid_t pid;
	int done;
	int status;
} kids[4];

int signals_init(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) return -1;
	sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return sigfd < 0 ? -1 : 0;
}

int signal_fd(void)
{
	return sigfd;
}

int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Every descriptor from `first` up is closed, whether or not someone forgot O_CLOEXEC on it. */
static void close_from(int first)
{
	if (close_range((unsigned)first, ~0u, 0) == 0) return;
	struct rlimit rl;
	long max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 65536 ? (long)rl.rlim_cur : 65536;
	for (long fd = first; fd < max; fd++) close((int)fd);
}

/* A child gets default signal handling, whatever the agent or its parent changed. */
static void reset_signals(void)
{
	struct sigaction dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++) {
		if (s != SIGKILL && s != SIGSTOP) sigaction(s, &dfl, NULL);
	}
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* The seals crun's own sealed copy of itself carries, no more and no fewer: with them it takes a copy
 * for its own and does not make another. */
#define RUNTIME_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

int sealed_copy(const char *path)
{
	int from = open(path, O_RDONLY | O_CLOEXEC);
	if (from < 0) return -1;
	/* An ELF file only: a script started from a close-on-exec memfd leaves its interpreter nothing to open. */
	char magic[4];
	if (pread(from, magic, sizeof magic, 0) != (ssize_t)sizeof magic || memcmp(magic, "\177ELF", sizeof magic) != 0) {
		close(from);
		return -1;
	}
	struct stat st;
	int fd = fstat(from, &st) == 0 ? memfd_create("harness-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING) : -1;
	off_t sent = 0;
	while (fd >= 0 && sent < st.st_size) {
		ssize_t n = sendfile(fd, from, NULL, (size_t)(st.st_size - sent));
		if (n <= 0) break;
		sent += n;
	}
	close(from);
	if (fd >= 0 && (sent != st.st_size || fcntl(fd, F_ADD_SEALS, RUNTIME_SEALS) < 0)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* argv[0] is a path, or the program is `image` (a sealed_copy) when that is not -1. The child leads a
 * session and process group of its own (so a timeout kills all of it), has /dev/null as stdin, `out`
 * and `err` as stdout and stderr, and no other descriptor. */
pid_t spawn(const char *const argv[], int image, const char *cwd, int out, int err)
{
	int slot = -1;
	for (int i = 0; i < (int)(sizeof kids / sizeof kids[0]); i++) {
		if (kids[i].pid == 0) {
			slot = i;
			break;
		}
	}
	if (slot < 0) {
		errno = EAGAIN;
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(125);
		/* The image stays open only until the exec: fexecve of an ELF file needs no more. */
		if (image >= 0 && dup3(image, 3, O_CLOEXEC) < 0) _exit(125);
		close_from(image >= 0 ? 4 : 3);
		reset_signals();
		setsid();
		if (chdir(cwd) < 0) _exit(125);
		if (image >= 0) fexecve(3, (char *const *)argv, environ);
		else execv(argv[0], (char *const *)argv);
		dprintf(2, "harness-agentd: cannot execute %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	kids[slot].pid = pid;
	kids[slot].done = 0;
	return pid;
}

void reap(void)
{
	struct signalfd_siginfo info;
	while (read(sigfd, &info, sizeof info) == sizeof info) continue;
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < (int)(sizeof kids / sizeof kids[0]); i++) {
			if (kids[i].pid == pid) {
				kids[i].done = 1;
				kids[i].status = status;
			}
		}
	}
}

/* 1 once `pid` has exited, its wait status in `status`; the child is forgotten then. */
int exited(pid_t pid, int *status)
{
	for (int i = 0; i < (int)(sizeof kids / sizeof kids[0]); i++) {
		if (kids[i].pid == pid && kids[i].done) {
			*status = kids[i].status;
			kids[i].pid = 0;
			return 1;
		}
	}
	return 0;
}

/* A child not waited for any longer: its slot is free, its exit reaped as an orphan's. */
void forget(pid_t pid)
{
	for (int i = 0; i < (int)(sizeof kids / sizeof kids[0]); i++) {
		if (kids[i].pid == pid) kids[i].pid = 0;
	}
}

int wait_for(pid_t pid, int timeout_ms, int *status)
{
	int64_t deadline = now_ms() + timeout_ms;
	for (;;) {
		reap();
		if (exited(pid, status)) return 1;
		int64_t left = deadline - now_ms();
		if (left <= 0) return 0;
		struct pollfd p = { .fd = sigfd, .events = POLLIN };
		poll(&p, 1, (int)left);
	}
}

/* A helper whose output nobody needs (modprobe, `<runtime> delete`), killed if it hangs. */
void run_quietly(const char *const argv[], int image, int timeout_ms)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null < 0) return;
	pid_t pid = spawn(argv, image, "/", null, null);
	close(null);
	if (pid < 0) return;
	int status;
	if (!wait_for(pid, timeout_ms, &status)) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		if (!wait_for(pid, 1000, &status)) forget(pid);
	}
}

/* `command -v NAME` for a program: the first executable file of that name on PATH. */
const char *find_program(const char *name, char *buf, size_t cap)
{
	const char *path = getenv("PATH");
	if (!path) return NULL;
	for (const char *p = path; *p;) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len) {
			int n = snprintf(buf, cap, "%.*s/%s", (int)len, p, name);
			struct stat st;
			if (n > 0 && (size_t)n < cap && stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0) return buf;
		}
		if (!end) break;
		p = end + 1;
	}
	return NULL;
}
