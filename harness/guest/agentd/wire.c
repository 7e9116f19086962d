/* What travels between the agent and the host: frames out, command lines in (docs/protocol.md). */
#include "agentd.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static uint32_t crc_table[256];

void crc32_init(void)
{
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;
		for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[n] = c;
	}
}

/* zlib's crc32(): `crc` is the value so far, 0 to start. */
uint32_t crc32_update(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t c = crc ^ 0xffffffffu;
	while (len--) c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encode(const unsigned char *in, size_t len, char *out)
{
	size_t o = 0, i = 0;
	for (; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = B64[v >> 18];
		out[o++] = B64[(v >> 12) & 63];
		out[o++] = B64[(v >> 6) & 63];
		out[o++] = B64[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);
		out[o++] = B64[v >> 18];
		out[o++] = B64[(v >> 12) & 63];
		out[o++] = i + 1 < len ? B64[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	return o;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

ssize_t base64_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
	if (len % 4) return -1;
	size_t o = 0;
	for (size_t i = 0; i < len; i += 4) {
		int last = i + 4 == len;
		int pad = last && in[i + 3] == '=' ? (in[i + 2] == '=' ? 2 : 1) : 0;
		int v[4];
		for (int k = 0; k < 4; k++) {
			v[k] = k >= 4 - pad ? 0 : b64_value(in[i + k]);
			if (v[k] < 0) return -1;
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
		size_t n = 3 - (size_t)pad;
		if (o + n > cap) return -1;
		out[o++] = (unsigned char)(w >> 16);
		if (n > 1) out[o++] = (unsigned char)(w >> 8);
		if (n > 2) out[o++] = (unsigned char)w;
	}
	return (ssize_t)o;
}

int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR) continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd w = { .fd = fd, .events = POLLOUT };
			poll(&w, 1, -1);
			continue;
		}
		if (n <= 0) return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Room for the header, the base64 of a whole chunk and the CRC. */
static char frame[128 + (CHUNK_BYTES + 2) / 3 * 4];

void emit(const char *kind, const void *payload, size_t len)
{
	if (len > CHUNK_BYTES) len = CHUNK_BYTES;
	int head = snprintf(frame, 64, "%s %" PRIu64 " %s ", agent.nonce, agent.seq, kind);
	if (head < 0 || head >= 64) return;
	size_t at = (size_t)head;
	if (len) at += base64_encode(payload, len, frame + at);
	else frame[at++] = '-';
	at += (size_t)snprintf(frame + at, 11, " %08x\n", crc32_update(0, frame, at));
	agent.seq++;
	if (write_all(FRAMES_FD, frame, at) == 0) return;
	/* A channel that vanished (device unplugged) must not silence the agent: it falls back to the
	 * console, where the host takes any frame as word that the channel was lost. */
	int console = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (console < 0) return;
	if (console != FRAMES_FD) {
		dup3(console, FRAMES_FD, O_CLOEXEC);
		close(console);
	}
	write_all(FRAMES_FD, frame, at);
}

void emit_text(const char *kind, const char *text)
{
	emit(kind, text, strlen(text));
}

void emit_textf(const char *kind, const char *fmt, ...)
{
	char text[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (n < 0) return;
	emit(kind, text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
}

static char lines[LINE_BYTES + 1];
static size_t line_start, line_end;
static int discarding;

/* The next command line, without its newline (and a CR before it). A line longer than the buffer is
 * dropped whole and reported as LINE_LONG once it ends; EOF loses a last line with no newline, as
 * sh's `read` does. */
enum line_result read_line(char **line, size_t *len)
{
	for (;;) {
		char *nl = memchr(lines + line_start, '\n', line_end - line_start);
		if (nl) {
			char *start = lines + line_start;
			size_t n = (size_t)(nl - start);
			line_start += n + 1;
			if (discarding) {
				discarding = 0;
				return LINE_LONG;
			}
			if (n && start[n - 1] == '\r') n--;
			start[n] = '\0';
			*line = start;
			*len = n;
			return LINE_OK;
		}
		if (line_start) {
			memmove(lines, lines + line_start, line_end - line_start);
			line_end -= line_start;
			line_start = 0;
		}
		if (line_end == LINE_BYTES) {
			discarding = 1;
			line_end = 0;
		}
		ssize_t got = read(COMMANDS_FD, lines + line_end, LINE_BYTES - line_end);
		if (got < 0 && errno == EINTR) continue;
		if (got < 0 && errno == EAGAIN) {
			struct pollfd r = { .fd = COMMANDS_FD, .events = POLLIN };
			poll(&r, 1, -1);
			continue;
		}
		if (got <= 0) return LINE_EOF;
		line_end += (size_t)got;
	}
}

/* Words split on blanks as sh's `read a b c` does: the last one takes the rest of the line. */
int split_words(char *line, char **words, int max)
{
	int count = 0;
	char *p = line;
	while (count < max) {
		while (*p == ' ' || *p == '\t') p++;
		if (!*p) break;
		words[count++] = p;
		if (count == max) break;
		while (*p && *p != ' ' && *p != '\t') p++;
		if (*p) *p++ = '\0';
	}
	if (count == max) {
		char *end = words[max - 1] + strlen(words[max - 1]);
		while (end > words[max - 1] && (end[-1] == ' ' || end[-1] == '\t')) *--end = '\0';
	}
	return count;
}

/* 1 when `text` is a decimal number no larger than `max` (digits only: no sign, no blanks). */
int parse_uint(const char *text, unsigned long long max, unsigned long long *value)
{
	unsigned long long v = 0;
	if (!*text || strlen(text) > 19) return 0;
	for (const char *p = text; *p; p++) {
		if (*p < '0' || *p > '9') return 0;
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	if (v > max) return 0;
	*value = v;
	return 1;
}
