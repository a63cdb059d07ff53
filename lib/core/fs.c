/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <sys/stat.h>

#include "core.h"
#include "resolve.h"

int mkdir_p(const char *path, mode_t mode)
{
        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = 0;
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

int rm_rf(const char *path)
{
        /* by descriptor, never by path: a tree deeper than PATH_MAX goes too */
        _cleanup_free_ char *copy = strdup(path), *copy2 = strdup(path);
        if (!copy || !copy2)
                return -ENOMEM;
        _cleanup_close_ int parent = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (parent < 0)
                return errno == ENOENT ? 0 : -errno;
        return remove_beneath(parent, basename(copy2));
}

int read_file(const char *path, char **ret, size_t *ret_len)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        size_t cap = 4096, len = 0;
        _cleanup_free_ char *buf = malloc(cap);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                if (len + 1 >= cap) {
                        if (cap > (64u << 20))
                                return -EFBIG;
                        char *n = realloc(buf, cap * 2);
                        if (!n)
                                return -ENOMEM;
                        buf = n;
                        cap *= 2;
                }
                ssize_t r = read(fd, buf + len, cap - len - 1);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (r == 0)
                        break;
                len += (size_t) r;
        }
        buf[len] = 0;
        if (ret_len)
                *ret_len = len;
        *ret = steal_ptr(&buf);
        return 0;
}

static int write_all(int fd, const char *data, size_t len)
{
        while (len > 0) {
                ssize_t w = write(fd, data, len);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                data += w;
                len -= (size_t) w;
        }
        return 0;
}

int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
        _cleanup_free_ char *dir_copy = strdup(path);
        _cleanup_free_ char *tmp = strdup_printf("%s.tmp.%d", path, (int) getpid());
        if (!dir_copy || !tmp)
                return -ENOMEM;
        _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0)
                return -errno;
        int r = write_all(fd, data, len);
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (r == 0) {
                fault_point("atomic-before-rename");
                if (rename(tmp, path) < 0)
                        r = -errno;
        }
        if (r < 0) {
                unlink(tmp);
                return r;
        }
        _cleanup_close_ int dfd = open(dirname(dir_copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0)
                (void) fsync(dfd);
        return 0;
}

int write_file_inplace(const char *path, const char *data, size_t len)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        int r = write_all(fd, data, len);
        if (r < 0)
                return r;
        if (ftruncate(fd, (off_t) len) < 0)
                return -errno;
        return 0;
}

int write_string(const char *path, const char *s)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        size_t n = strlen(s);
        ssize_t w = write(fd, s, n);
        if (w < 0)
                return -errno;
        return (size_t) w == n ? 0 : -EIO;
}

int read_line(const char *path, char **ret)
{
        char *s;
        int r = read_file(path, &s, NULL);
        if (r < 0)
                return r;
        s[strcspn(s, "\n")] = 0;
        *ret = s;
        return 0;
}

/* nftw passes no context to its callback: one sum per thread */
static _Thread_local uint64_t usage_total, usage_count;
static int usage_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void) path; (void) flag; (void) ftw;
        usage_total += (uint64_t) st->st_blocks * 512;
        usage_count++;
        return 0;
}

uint64_t dir_usage_count(const char *path, uint64_t *ret_count)
{
        usage_total = usage_count = 0;
        nftw(path, usage_entry, 16, FTW_PHYS);
        if (ret_count)
                *ret_count = usage_count;
        return usage_total;
}

uint64_t dir_usage(const char *path)
{
        return dir_usage_count(path, NULL);
}

bool path_exists(const char *path)
{
        return access(path, F_OK) == 0;
}
