/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <limits.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "resolve.h"

char *path_clean(const char *p)
{
        if (!p || p[0] == '/')
                return NULL;
        char *out = malloc(strlen(p) + 1);
        if (!out)
                return NULL;
        size_t n = 0;
        for (const char *c = p; *c;) {
                size_t len = strcspn(c, "/");
                if (len == 2 && c[0] == '.' && c[1] == '.') {
                        free(out);
                        return NULL;
                }
                if (len && !(len == 1 && c[0] == '.')) {
                        if (n)
                                out[n++] = '/';
                        memcpy(out + n, c, len);
                        n += len;
                }
                c += len;
                while (*c == '/')
                        c++;
        }
        out[n] = 0;
        return out;
}

#define MAX_LINKS 40 /* as the kernel's own resolution */

/* The folder `dir` (a clean relative path without links, "" for the root)
 * reopened from the root. */
static int reopen_dir(int rootfd, const char *dir)
{
        int fd = openat(rootfd, *dir ? dir : ".", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

/* What openat2(RESOLVE_IN_ROOT) does, for kernels before 5.6 and tools that
 * do not know the call (valgrind 3.19): one component at a time, never
 * letting the kernel follow a link.  A link met is read and its target put
 * in front of what is left of the path (an absolute one restarts at the
 * root); ".." never climbs above the root.  Only the trees baleine itself
 * is filling or about to start are walked so, where nothing renames under
 * the walk. */
static int walk_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
        _cleanup_free_ char *rest = strdup(path), *done = strdup("");
        if (!rest || !done)
                return -ENOMEM;
        int dirfd = reopen_dir(rootfd, ""), links = 0;
        while (dirfd >= 0) {
                char *c = rest;
                while (*c == '/')
                        c++;
                size_t len = strcspn(c, "/");
                bool last = !c[len + strspn(c + len, "/")];
                _cleanup_free_ char *name = strndup(c, len);
                if (!name) {
                        close(dirfd);
                        return -ENOMEM;
                }
                memmove(rest, c + len, strlen(c + len) + 1);
                if (!*name || strcmp(name, ".") == 0) {
                        if (!last)
                                continue;
                        int fd = openat(dirfd, ".", flags | O_CLOEXEC, mode);
                        close(dirfd);
                        return fd < 0 ? -errno : fd;
                }
                if (strcmp(name, "..") == 0) {
                        char *slash = strrchr(done, '/');
                        *(slash ? slash : done) = 0;
                        close(dirfd);
                        dirfd = reopen_dir(rootfd, done);
                        if (last && dirfd >= 0) {
                                int fd = openat(dirfd, ".", flags | O_CLOEXEC, mode);
                                close(dirfd);
                                return fd < 0 ? -errno : fd;
                        }
                        continue;
                }
                struct stat st;
                bool exists = fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
                bool follow = exists && S_ISLNK(st.st_mode) && !(last && (flags & (O_NOFOLLOW | O_EXCL)));
                if (follow) {
                        char target[PATH_MAX];
                        ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
                        if (n <= 0 || ++links > MAX_LINKS) {
                                close(dirfd);
                                return n <= 0 ? -EIO : -ELOOP;
                        }
                        target[n] = 0;
                        /* RESOLVE_NO_MAGICLINKS: /proc's links to a process's
                         * files ("/…", "pipe:[…]") are not paths of the tree */
                        struct statfs sf;
                        if (fstatfs(dirfd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC &&
                            (target[0] == '/' || strstr(target, ":["))) {
                                close(dirfd);
                                return -ELOOP;
                        }
                        char *joined = strdup_printf("%s/%s", target, rest);
                        free(rest);
                        rest = joined;
                        if (!rest) {
                                close(dirfd);
                                return -ENOMEM;
                        }
                        if (target[0] == '/') {
                                done[0] = 0;
                                close(dirfd);
                                dirfd = reopen_dir(rootfd, "");
                        }
                        continue;
                }
                if (last) {
                        int fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
                        int e = errno;
                        close(dirfd);
                        return fd < 0 ? -e : fd;
                }
                int next = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                int e = errno;
                close(dirfd);
                if (next < 0)
                        return -e;
                dirfd = next;
                char *longer = *done ? strdup_printf("%s/%s", done, name) : strdup(name);
                free(done);
                done = longer;
                if (!done) {
                        close(dirfd);
                        return -ENOMEM;
                }
        }
        return dirfd;
}

int open_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
        struct open_how how = {
                .flags = (uint64_t) flags | O_CLOEXEC,
                .mode = flags & (O_CREAT | O_TMPFILE) ? mode : 0,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        int fd = (int) syscall(SYS_openat2, rootfd, path && *path ? path : ".", &how, sizeof(how));
        if (fd < 0 && errno == ENOSYS)
                return walk_in_root(rootfd, path ? path : "", flags, how.mode);
        return fd < 0 ? -errno : fd;
}

int mkdir_in_root(int rootfd, const char *path, mode_t mode)
{
        _cleanup_free_ char *p = path_clean(path);
        if (!p)
                return -EPERM;
        int fd = open_in_root(rootfd, "", O_RDONLY | O_DIRECTORY, 0);
        /* component by component, each prefix resolved from the root again:
         * a symlink met on the way resolves as the image sees it */
        for (char *c = p; fd >= 0 && *c;) {
                char *end = c + strcspn(c, "/");
                char saved = *end;
                *end = 0;
                int next = open_in_root(rootfd, p, O_RDONLY | O_DIRECTORY, 0);
                if (next == -ENOENT) {
                        /* fd is the real folder of the prefix: c is made in it */
                        if (mkdirat(fd, c, mode) < 0 && errno != EEXIST)
                                next = -errno;
                        else
                                next = open_in_root(rootfd, p, O_RDONLY | O_DIRECTORY, 0);
                        if (next == -ENOENT)
                                next = -ENOTDIR; /* a link to nowhere inside */
                }
                close(fd);
                fd = next;
                *end = saved;
                c = saved ? end + 1 : end;
        }
        return fd;
}

int open_parent_in_root(int rootfd, const char *path, bool create, const char **ret_base)
{
        const char *slash = strrchr(path, '/');
        const char *base = slash ? slash + 1 : path;
        if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || path[0] == '/')
                return -EINVAL;
        _cleanup_free_ char *parent = strndup(path, slash ? (size_t) (slash - path) : 0);
        if (!parent)
                return -ENOMEM;
        int fd = create ? mkdir_in_root(rootfd, parent, 0755) : open_in_root(rootfd, parent, O_RDONLY | O_DIRECTORY, 0);
        if (fd >= 0)
                *ret_base = base;
        return fd;
}

/* One more entry of the open folder `fd` removed: 0 when nothing is
 * left, 1 with `sub` set to a subfolder that must be emptied first,
 * -errno on what cannot be removed (a mount, of this device or not). */
static int empty_folder(int fd, dev_t dev, char sub[256])
{
        int again = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = again >= 0 ? fdopendir(again) : NULL;
        if (!d) {
                int r = -errno;
                if (again >= 0)
                        close(again);
                return r;
        }
        int r = 0;
        struct dirent *de;
        while (r == 0 && (de = readdir(d))) {
                const char *n = de->d_name;
                if (!strcmp(n, ".") || !strcmp(n, ".."))
                        continue;
                if (unlinkat(fd, n, 0) == 0 || errno == ENOENT)
                        continue;
                if (errno != EISDIR && errno != EPERM) {
                        r = -errno;
                        break;
                }
                if (unlinkat(fd, n, AT_REMOVEDIR) == 0 || errno == ENOENT)
                        continue;
                if (errno != ENOTEMPTY && errno != EEXIST) {
                        r = -errno;
                        break;
                }
                struct statx stx;
                if (statx(fd, n, AT_SYMLINK_NOFOLLOW, STATX_TYPE, &stx) < 0) {
                        r = -errno;
                        break;
                }
                if (!S_ISDIR(stx.stx_mode) || makedev(stx.stx_dev_major, stx.stx_dev_minor) != dev ||
                    (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT)) {
                        r = -EBUSY; /* never into something mounted here */
                        break;
                }
                snprintf(sub, 256, "%s", n);
                r = 1;
        }
        closedir(d);
        return r;
}

int remove_beneath(int parent, const char *name)
{
        if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strchr(name, '/'))
                return -EINVAL;
        if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
                return 0;
        if (errno != EISDIR && errno != EPERM)
                return -errno;
        int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0) {
                int r = -errno;
                if (fd >= 0)
                        close(fd);
                return r;
        }
        /* depth first with one descriptor at a time, going back up by "..":
         * a tree deeper than PATH_MAX (or than the descriptor limit) goes
         * too, where a walk by paths (nftw) or one descriptor per level
         * stopped and left it behind; the tree is ours, nothing moves it */
        unsigned long depth = 0;
        char sub[256];
        int r;
        while ((r = empty_folder(fd, st.st_dev, sub)) >= 0) {
                int next;
                if (r == 1)
                        next = openat(fd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                else if (depth > 0)
                        next = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                else
                        break;
                if (next < 0) {
                        r = -errno;
                        break;
                }
                close(fd);
                fd = next;
                depth = r == 1 ? depth + 1 : depth - 1;
        }
        close(fd);
        if (r == 0 && unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                r = -errno;
        return r;
}
