/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

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

int open_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
        struct open_how how = {
                .flags = (uint64_t) flags | O_CLOEXEC,
                .mode = flags & (O_CREAT | O_TMPFILE) ? mode : 0,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        int fd = (int) syscall(SYS_openat2, rootfd, path && *path ? path : ".", &how, sizeof(how));
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

int remove_beneath(int parent, const char *name)
{
        if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strchr(name, '/'))
                return -EINVAL;
        if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
                return 0;
        if (errno != EISDIR && errno != EPERM)
                return -errno;
        int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        int r = 0;
        struct dirent *de;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
                        int k = remove_beneath(dirfd(d), de->d_name);
                        if (k < 0 && r == 0)
                                r = k;
                }
        closedir(d);
        if (r == 0 && unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                r = -errno;
        return r;
}
