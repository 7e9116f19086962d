/*
 * Files and folders, never following a symlink below the folder it starts from: a rootfs or a
 * container's upper layer may hold links that point into the guest's own files.
 */
#include "agentd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Deeper trees are left where they are: each level holds a descriptor. */
#define MAX_DEPTH 256

int make_dirs(const char *path, mode_t mode)
{
	char buf[PATH_BYTES];
	size_t len = strlen(path);
	if (len == 0 || len >= sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p) continue;
		char c = *p;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST) return -1;
		*p = c;
		if (!c) break;
	}
	struct stat st;
	if (stat(path, &st) < 0) return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

int open_dir_at(int at, const char *name)
{
	return openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static char copy_buf[64 * 1024];

static int copy_data(int in, int out)
{
	for (;;) {
		ssize_t n = read(in, copy_buf, sizeof copy_buf);
		if (n < 0 && errno == EINTR) continue;
		if (n < 0) return -1;
		if (n == 0) return 0;
		if (write_all(out, copy_buf, (size_t)n) < 0) return -1;
	}
}

/* chown before chmod, as cp -a does: chown clears the set-id bits. Given an owner, the copy is that
 * user's own, set-id bits dropped as chown -R would drop them. */
static int set_attrs(int fd, const struct stat *st, uid_t owner)
{
	mode_t mode = st->st_mode & 07777;
	if (owner != (uid_t)-1 && !S_ISDIR(st->st_mode)) mode &= ~(mode_t)(S_ISUID | S_ISGID);
	struct timespec times[2] = { st->st_atim, st->st_mtim };
	if (fchown(fd, owner == (uid_t)-1 ? st->st_uid : owner, owner == (uid_t)-1 ? st->st_gid : (gid_t)owner) < 0) return -1;
	if (fchmod(fd, mode) < 0) return -1;
	return futimens(fd, times);
}

/* An entry in the way of a copy is replaced, never written through. */
static int open_new(int dir, const char *name)
{
	int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST && unlinkat(dir, name, 0) == 0) fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	return fd;
}

static int copy_tree(int src, int dst, uid_t owner, int depth);

static int copy_entry(int src, int dst, const char *name, uid_t owner, int depth)
{
	struct stat st;
	if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return -1;
	uid_t uid = owner == (uid_t)-1 ? st.st_uid : owner;
	gid_t gid = owner == (uid_t)-1 ? st.st_gid : (gid_t)owner;
	struct timespec times[2] = { st.st_atim, st.st_mtim };
	int rc = -1;
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR: {
		if (mkdirat(dst, name, 0700) < 0 && errno != EEXIST) return -1;
		int from = open_dir_at(src, name);
		int to = from < 0 ? -1 : open_dir_at(dst, name);
		if (to >= 0 && copy_tree(from, to, owner, depth + 1) == 0) rc = set_attrs(to, &st, owner);
		if (from >= 0) close(from);
		if (to >= 0) close(to);
		return rc;
	}
	case S_IFREG: {
		int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		int out = in < 0 ? -1 : open_new(dst, name);
		if (out >= 0 && copy_data(in, out) == 0) rc = set_attrs(out, &st, owner);
		if (in >= 0) close(in);
		if (out >= 0) close(out);
		return rc;
	}
	case S_IFLNK: {
		char target[PATH_BYTES];
		ssize_t n = readlinkat(src, name, target, sizeof target);
		if (n < 0 || (size_t)n >= sizeof target) return -1;
		target[n] = '\0';
		if (symlinkat(target, dst, name) < 0) {
			if (errno != EEXIST || unlinkat(dst, name, 0) < 0 || symlinkat(target, dst, name) < 0) return -1;
		}
		if (fchownat(dst, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) return -1;
		return utimensat(dst, name, times, AT_SYMLINK_NOFOLLOW);
	}
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
		if (mknodat(dst, name, st.st_mode & (S_IFMT | 0600), st.st_rdev) < 0) return -1;
		if (fchownat(dst, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) return -1;
		if (fchmodat(dst, name, st.st_mode & 07777, 0) < 0) return -1;
		return utimensat(dst, name, times, AT_SYMLINK_NOFOLLOW);
	default:
		/* A socket means nothing once copied; cp -a makes a dead one. */
		return 0;
	}
}

static int copy_tree(int src, int dst, uid_t owner, int depth)
{
	if (depth > MAX_DEPTH) {
		errno = ELOOP;
		return -1;
	}
	int fd = fcntl(src, F_DUPFD_CLOEXEC, 0);
	DIR *dir = fd < 0 ? NULL : fdopendir(fd);
	if (!dir) {
		if (fd >= 0) close(fd);
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (errno = 0, e = readdir(dir))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
		rc = copy_entry(src, dst, e->d_name, owner, depth);
	}
	if (rc == 0 && errno) rc = -1;
	int saved = errno;
	closedir(dir);
	errno = saved;
	return rc;
}

/* cp -a SRC/. DST/: folders, files, links and nodes with their modes, owners and times, the
 * folder's own included. */
int copy_into(int src, int dst, uid_t owner)
{
	struct stat st;
	if (copy_tree(src, dst, owner, 0) < 0 || fstat(src, &st) < 0) return -1;
	return set_attrs(dst, &st, owner);
}

/* Empties the folder `dir` on device `dev`; what is mounted below it is left alone. */
static void empty_dir(int dir, dev_t dev, int depth)
{
	int fd = fcntl(dir, F_DUPFD_CLOEXEC, 0);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0) close(fd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
		struct stat st;
		if (fstatat(dir, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
		if (!S_ISDIR(st.st_mode)) {
			unlinkat(dir, e->d_name, 0);
			continue;
		}
		if (st.st_dev != dev || depth >= MAX_DEPTH) continue;
		int sub = open_dir_at(dir, e->d_name);
		if (sub < 0) continue;
		empty_dir(sub, dev, depth + 1);
		close(sub);
		unlinkat(dir, e->d_name, AT_REMOVEDIR);
	}
	closedir(d);
}

/* rm -rf, staying on the file system it starts on. */
int remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0) return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode)) return unlink(path);
	int fd = open_dir_at(AT_FDCWD, path);
	if (fd < 0) return -1;
	empty_dir(fd, st.st_dev, 0);
	close(fd);
	return rmdir(path);
}

/* Created with `mode` less the umask, as a shell's `>` would. */
int write_file_at(int dir, const char *name, const void *data, size_t len, mode_t mode)
{
	int fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) return -1;
	int rc = write_all(fd, data, len);
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* A whole small file, NUL-terminated; -1 (EFBIG) when it does not fit `cap`. */
ssize_t read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return -1;
	size_t len = 0;
	for (;;) {
		if (len + 1 >= cap) {
			close(fd);
			errno = EFBIG;
			return -1;
		}
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR) continue;
		if (n < 0) {
			int saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		if (n == 0) break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

/* cp FROM DIR/NAME: the copy's mode is 0666 less the umask, as cp gives a new file. */
int copy_file_to(const char *from, int dir, const char *name)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0) return -1;
	int out = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
	int rc = out < 0 ? -1 : copy_data(in, out);
	int saved = errno;
	close(in);
	if (out >= 0) close(out);
	errno = saved;
	return rc;
}
