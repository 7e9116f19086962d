/*
 * `put PATH MODE BYTES CHUNKS`, then CHUNKS lines `SEQ BASE64 CRC`: a file for the payload folder,
 * go-back-N as agent.sh's put_file. A chunk whose CRC does not match, or that comes out of order, is
 * asked for again (`nak <expected seq>`); the host goes back to it. `unpack NAME` then unpacks the
 * tar a put left in the payload folder, as agent.sh does.
 */
#include "agentd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

/* Opens the folder that holds `rel` below the payload folder, making it as `mkdir -p` would;
 * `leaf` points at the file's name in `rel`. Nothing but plain names is taken on the way. */
static int open_parent(char *rel, char **leaf)
{
	if (make_dirs(agent.payload, 0777) < 0) return -1;
	int dir = open_dir_at(AT_FDCWD, agent.payload);
	char *p = rel;
	for (char *slash; dir >= 0 && (slash = strchr(p, '/'));) {
		*slash = '\0';
		int next = -1;
		if (*p && strcmp(p, ".") && strcmp(p, "..")) {
			if (mkdirat(dir, p, 0777) == 0 || errno == EEXIST) next = open_dir_at(dir, p);
		} else {
			errno = EINVAL;
		}
		*slash = '/';
		close(dir);
		dir = next;
		p = slash + 1;
	}
	if (dir >= 0 && (!*p || !strcmp(p, ".") || !strcmp(p, ".."))) {
		close(dir);
		errno = EINVAL;
		return -1;
	}
	*leaf = p;
	return dir;
}

static unsigned char decoded[LINE_BYTES];

/* 1 when the chunk line is `SEQ BASE64 CRC` with the expected seq and a CRC that matches, and its
 * bytes went to `fd`. */
static int take_chunk(char *line, unsigned long long next, int fd, unsigned long long *written)
{
	char *w[3];
	char seq[24];
	if (split_words(line, w, 3) != 3) return 0;
	snprintf(seq, sizeof seq, "%llu", next);
	if (strcmp(w[0], seq)) return 0;
	char crc[9];
	size_t len = strlen(w[1]);
	snprintf(crc, sizeof crc, "%08x", crc32_update(0, w[1], len));
	if (strcmp(w[2], crc)) return 0;
	ssize_t n = base64_decode(w[1], len, decoded, sizeof decoded);
	if (n < 0 || write_all(fd, decoded, (size_t)n) < 0) return 0;
	*written += (unsigned long long)n;
	return 1;
}

/* Octal file permissions, nothing beyond 0777: no set-id bits come from the host. */
static int parse_mode(const char *text, mode_t *mode)
{
	unsigned v = 0;
	if (!*text || strlen(text) > 4) return 0;
	for (const char *p = text; *p; p++) {
		if (*p < '0' || *p > '7') return 0;
		v = v * 8 + (unsigned)(*p - '0');
	}
	if (v > 0777) return 0;
	*mode = (mode_t)v;
	return 1;
}

void put_file(char *const w[], int count)
{
	unsigned long long bytes = 0, chunks = 0;
	mode_t mode = 0;
	char rel[PATH_BYTES], part[PATH_BYTES], *leaf = NULL;
	int fd = -1, dir = -1;
	int ok = count == 5 && strlen(w[1]) < sizeof rel && w[1][0] != '/' && parse_mode(w[2], &mode) && parse_uint(w[3], 1ull << 40, &bytes) &&
		 parse_uint(w[4], 1ull << 32, &chunks);
	if (ok) {
		memcpy(rel, w[1], strlen(w[1]) + 1);
		dir = open_parent(rel, &leaf);
		ok = dir >= 0 && snprintf(part, sizeof part, "%s.part", leaf) < (int)sizeof part;
	}
	if (ok) fd = openat(dir, part, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
	unsigned long long next = 0, written = 0;
	while (fd >= 0 && next < chunks) {
		char *line;
		size_t len;
		enum line_result got = read_line(&line, &len);
		if (got == LINE_EOF) break;
		if (got == LINE_OK && take_chunk(line, next, fd, &written)) {
			emit_textf("ack", "%llu", next);
			next++;
		} else {
			emit_textf("nak", "%llu", next);
		}
	}
	struct stat st;
	if (fd >= 0 && next == chunks && written == bytes && fstat(fd, &st) == 0 && (unsigned long long)st.st_size == bytes && fchmod(fd, mode) == 0 &&
	    renameat(dir, part, dir, leaf) == 0) {
		emit_text("ack", "done");
	} else {
		emit_text("nak", "size");
	}
	if (fd >= 0) close(fd);
	if (dir >= 0) close(dir);
}

/* One plain name in the payload folder: the host only ever unpacks what it just put there. */
void unpack_payload(char *const w[], int count)
{
	char tar[PATH_BYTES], archive[PATH_BYTES], errors[PATH_BYTES], said[512] = "";
	const char *name = count == 2 ? w[1] : "";
	int ok = *name && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..") && find_program("tar", tar, sizeof tar) &&
		 snprintf(archive, sizeof archive, "%s/%s", agent.payload, name) < (int)sizeof archive &&
		 snprintf(errors, sizeof errors, "%s/unpack.err", agent.state) < (int)sizeof errors;
	int err = ok ? open(errors, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
	pid_t pid = -1;
	if (err >= 0) {
		const char *const argv[] = { tar, "-xf", archive, "-C", agent.payload, NULL };
		pid = spawn(argv, -1, "/", err, err);
		close(err);
	}
	int status = 0;
	/* A tar that hangs would hold the session; a minute is far beyond any suite's case files. */
	if (pid > 0 && !wait_for(pid, 60000, &status)) {
		kill(pid, SIGKILL);
		if (!wait_for(pid, 1000, &status)) forget(pid);
		status = -1;
	}
	if (pid > 0 && status == 0) {
		unlink(archive);
		emit_text("ack", "unpacked");
	} else {
		if (err >= 0 && read_small(errors, said, sizeof said) < 0) said[0] = '\0';
		emit_text("nak", said[0] ? said : "cannot unpack");
	}
	if (ok) unlink(errors);
}
