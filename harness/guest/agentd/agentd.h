/*
 * harness-agentd: the guest agent of docs/protocol.md compiled, for targets where the payload can
 * carry it. agent.sh execs it after reading the nonce; it then speaks exactly agent.sh's protocol,
 * with one fork/exec per case (the runtime) instead of some thirty-five.
 *
 * Every byte from the host and from a container is hostile: buffers are bounded, lengths checked,
 * nothing read is ever used as a format string, and no descriptor leaks into a container.
 */
#ifndef HARNESS_AGENTD_H
#define HARNESS_AGENTD_H

#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* 45000 bytes make a 60000-byte base64 payload: within the host's 64 KiB line limit. */
#define CHUNK_BYTES 45000
/* The longest command line taken: a `put` chunk of 45000 bytes as base64 plus its seq and CRC. */
#define LINE_BYTES (64 * 1024)
#define PATH_BYTES 4096

/* Where agent.sh leaves what it hands over (docs/protocol.md, "The compiled agent"). */
#define FRAMES_FD 3
#define COMMANDS_FD 4
#define NONCE_FD 5

struct agent {
	char nonce[17];
	uint64_t seq;
	const char *state;
	const char *payload;
	const char *containers;
	const char *bye;
	const char *channel;
	const char *agent_crc;
	/* The runtime a case gets when it names none: crun, runc, or unshare. */
	const char *runtime;
	int overlay;
	int nopivot;
	int userns;
};

extern struct agent agent;

/* wire.c */
void crc32_init(void);
uint32_t crc32_update(uint32_t crc, const void *data, size_t len);
size_t base64_encode(const unsigned char *in, size_t len, char *out);
/* -1 unless `in` is whole RFC 4648 base64 (padded, no line breaks) that fits `cap`. */
ssize_t base64_decode(const char *in, size_t len, unsigned char *out, size_t cap);
void emit(const char *kind, const void *payload, size_t len);
void emit_text(const char *kind, const char *text);
void emit_textf(const char *kind, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
enum line_result { LINE_OK, LINE_EOF, LINE_LONG };
enum line_result read_line(char **line, size_t *len);
int split_words(char *line, char **words, int max);
int parse_uint(const char *text, unsigned long long max, unsigned long long *value);
int write_all(int fd, const void *data, size_t len);

/* tree.c */
int make_dirs(const char *path, mode_t mode);
int open_dir_at(int at, const char *name);
int copy_into(int src, int dst, uid_t owner);
int remove_tree(const char *path);
int write_file_at(int dir, const char *name, const void *data, size_t len, mode_t mode);
int copy_file_to(const char *from, int dir, const char *name);
ssize_t read_small(const char *path, char *buf, size_t cap);

/* proc.c */
int signals_init(void);
int signal_fd(void);
/* A sealed in-memory copy of the program at `path` (close-on-exec), or -1. */
int sealed_copy(const char *path);
pid_t spawn(const char *const argv[], int image, const char *cwd, int out, int err);
void reap(void);
int exited(pid_t pid, int *status);
void forget(pid_t pid);
int wait_for(pid_t pid, int timeout_ms, int *status);
void run_quietly(const char *const argv[], int image, int timeout_ms);
const char *find_program(const char *name, char *buf, size_t cap);
int64_t now_ms(void);

/* run.c, put.c */
void run_case(char *const words[], int count);
void put_file(char *const words[], int count);
void unpack_payload(char *const words[], int count);

#endif
