/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An owner record is a few "key value" lines:
 *
 *     kind image
 *     name web.v2
 *     pid 4242
 *     starttime 1234567
 *     dev 2049            (a partial file's identity, when known)
 *     ino 131075
 *     path /srv/out.tar.partial   (last: the rest of the file, any byte)
 *
 * It is written by a single write() into a file made for it, so a kill
 * leaves it whole or absent; a crash of the machine may leave it empty,
 * which readers take as "no record" (the grace period of check decides).
 */
#include <fcntl.h>
#include <inttypes.h>

#include "owner.h"

int proc_starttime(pid_t pid, uint64_t *ret)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        _cleanup_free_ char *s = NULL;
        int r = read_file(path, &s, NULL);
        if (r < 0)
                return r;
        /* comm may hold spaces and parentheses: fields start after the last ')' */
        char *p = strrchr(s, ')');
        if (!p)
                return -EBADMSG;
        p++;
        /* p is at the space before field 3; step to the one before field 22 */
        for (int field = 3; field < 22; field++) {
                p = strchr(p + 1, ' ');
                if (!p)
                        return -EBADMSG;
        }
        unsigned long long v;
        if (sscanf(p, " %llu", &v) != 1)
                return -EBADMSG;
        *ret = v;
        return 0;
}

int owner_write_fd(int fd, const char *kind, const char *name, const char *path, const struct stat *st)
{
        pid_t self = getpid();
        uint64_t start;
        int r = proc_starttime(self, &start);
        if (r < 0)
                return r;
        char id[80] = "";
        if (st)
                snprintf(id, sizeof(id), "dev %" PRIu64 "\nino %" PRIu64 "\n", (uint64_t) st->st_dev, (uint64_t) st->st_ino);
        _cleanup_free_ char *text = strdup_printf("kind %s\nname %s\npid %d\nstarttime %" PRIu64 "\n%s%s%s", kind, name, (int) self,
                                                  start, id, path ? "path " : "", path ? path : "");
        if (!text)
                return -ENOMEM;
        size_t len = strlen(text);
        ssize_t n = write(fd, text, len);
        if (n < 0)
                return -errno;
        return (size_t) n == len ? 0 : -EIO;
}

int owner_create_at(int dirfd, const char *file, const char *kind, const char *name)
{
        _cleanup_close_ int fd = openat(dirfd, file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        return owner_write_fd(fd, kind, name, NULL, NULL);
}

void owner_done(struct owner *o)
{
        free(o->path);
        o->path = NULL;
}

static int parse(char *text, struct owner *o)
{
        bool kind = false, name = false, pid = false, start = false, dev = false, ino = false;
        for (char *line = text, *next; *line; line = next) {
                if (startswith(line, "path ")) {
                        if (!line[5] || !(o->path = strdup(line + 5)))
                                return -EBADMSG;
                        break;
                }
                char *nl = strchr(line, '\n');
                if (!nl)
                        return -EBADMSG; /* every line but the path ends */
                *nl = 0;
                next = nl + 1;
                char *val = strchr(line, ' ');
                if (!val || !val[1])
                        return -EBADMSG;
                *val++ = 0;
                uint64_t v = 0;
                bool num = parse_u64(val, &v) == 0;
                if (strcmp(line, "kind") == 0 && strlen(val) < sizeof(o->kind))
                        kind = snprintf(o->kind, sizeof(o->kind), "%s", val) > 0;
                else if (strcmp(line, "name") == 0 && strlen(val) < sizeof(o->name))
                        name = snprintf(o->name, sizeof(o->name), "%s", val) > 0;
                else if (strcmp(line, "pid") == 0 && num && v > 0 && v <= INT32_MAX)
                        pid = (o->pid = (pid_t) v) > 0;
                else if (strcmp(line, "starttime") == 0 && num)
                        start = (o->starttime = v, true);
                else if (strcmp(line, "dev") == 0 && num)
                        dev = (o->dev = (dev_t) v, true);
                else if (strcmp(line, "ino") == 0 && num)
                        ino = (o->ino = (ino_t) v, true);
                else
                        return -EBADMSG;
        }
        if (!kind || !name || !pid || !start || dev != ino)
                return -EBADMSG;
        o->has_id = dev;
        return 0;
}

int owner_read_at(int dirfd, const char *file, struct owner *ret)
{
        *ret = (struct owner) { 0 };
        _cleanup_close_ int fd = openat(dirfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        char buf[8192];
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        if (n < 0)
                return -errno;
        buf[n] = 0;
        if (strlen(buf) != (size_t) n)
                return -EBADMSG; /* a NUL: not ours */
        int r = parse(buf, ret);
        if (r < 0) {
                owner_done(ret);
                return r;
        }
        uint64_t now;
        r = proc_starttime(ret->pid, &now);
        /* only a pid that is gone, or now another process, proves the owner
         * dead: a /proc we cannot read proves nothing */
        if (r == -ENOENT || r == -ESRCH)
                return 0;
        return r == 0 && now != ret->starttime ? 0 : 1;
}
