/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdlib.h>
#include <linux/filter.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "runtime.h"

/* Field 3 (and 4) of the line of `name` in an /etc/passwd-like file; a
 * plain parser, no NSS: nothing of the host is loaded into the container. */
static int lookup_id(const char *file, const char *name, unsigned *ret_id, unsigned *ret_gid)
{
        FILE *f = fopen(file, "re");
        char line[1024];
        size_t n = strlen(name);
        int r = -ENOENT;
        while (f && fgets(line, sizeof(line), f))
                if (strncmp(line, name, n) == 0 && line[n] == ':') {
                        unsigned id, gid = 0;
                        int k = sscanf(line + n, ":%*[^:]:%u:%u", &id, &gid);
                        if (k >= 1) {
                                *ret_id = id;
                                if (ret_gid)
                                        *ret_gid = gid;
                                r = 0;
                        }
                        break;
                }
        if (f)
                fclose(f);
        return r;
}

static int resolve_user(struct run_security *sec, struct error *err)
{
        char user[128], *group;
        snprintf(user, sizeof(user), "%s", sec->user_name);
        group = strchr(user, ':');
        if (group)
                *group++ = 0;
        unsigned uid, gid;
        uint64_t v;
        if (parse_u64(user, &v) == 0) {
                uid = (unsigned) v;
                gid = uid;
        } else if (lookup_id("/etc/passwd", user, &uid, &gid) < 0) {
                return error_set(err, ENOENT, "user \"%s\" not found in the image's /etc/passwd", user);
        }
        if (group) {
                if (parse_u64(group, &v) == 0)
                        gid = (unsigned) v;
                else if (lookup_id("/etc/group", group, &gid, NULL) < 0) {
                        return error_set(err, ENOENT, "group \"%s\" not found in the image's /etc/group", group);
                }
        }
        sec->uid = uid;
        sec->gid = gid;
        return 0;
}

int exec_sealed(int init_fd, char **argv)
{
        char *envp[] = { NULL };
        /* the file is execute-only: without effective capabilities this
         * process cannot read it, so the exec leaves it non-dumpable and
         * nothing in the container can open its /proc/PID/exe or mem until
         * it is the user's program; root gets its capabilities back from
         * the exec itself */
        if (capset_mask(0, caps_current(), 0) < 0)
                return -errno;
        fexecve(init_fd, argv, envp);
        return -errno;
}

int join_message(const struct run_program *prog, const struct run_security *sec, const struct sock_fprog *filter,
                 int report_fd)
{
        struct join_params h = {
                .magic = JOIN_MAGIC, .report_fd = report_fd, .go_fd = prog->go_fd, .pty_slave = prog->pty_slave,
                .fork = prog->fork, .uid = sec->uid, .gid = sec->gid, .caps = sec->caps,
                .no_new_privs = !sec->privileged, .filter_len = filter ? filter->len : 0,
        };
        for (int i = 0; i < 3; i++)
                h.stdio[i] = prog->stdio[i];
        for (int i = 0; i < 6; i++)
                h.relay[i] = prog->fork ? prog->relay[i] : -1;
        h.status_fd = prog->fork ? prog->status_fd : -1;
        const char *wd = prog->workdir && *prog->workdir ? prog->workdir : "/";
        size_t size = sizeof(h) + h.filter_len * sizeof(struct sock_filter) + strlen(wd) + 1;
        for (char **a = prog->argv; *a; a++, h.argc++)
                size += strlen(*a) + 1;
        for (char **e = prog->envp; e && *e; e++, h.envc++)
                size += strlen(*e) + 1;
        if (size > UINT32_MAX / 2)
                return -E2BIG;
        h.size = (uint32_t) size;
        char *buf = malloc(size), *p = buf;
        if (!buf)
                return -ENOMEM;
        memcpy(p, &h, sizeof(h));
        p += sizeof(h);
        if (h.filter_len) {
                memcpy(p, filter->filter, h.filter_len * sizeof(struct sock_filter));
                p += h.filter_len * sizeof(struct sock_filter);
        }
        p = stpcpy(p, wd) + 1;
        for (char **a = prog->argv; *a; a++)
                p = stpcpy(p, *a) + 1;
        for (char **e = prog->envp; e && *e; e++)
                p = stpcpy(p, *e) + 1;
        int fd = memfd_create("baleine-join", MFD_CLOEXEC), r = 0;
        if (fd < 0)
                r = -errno;
        for (size_t off = 0; r == 0 && off < size;) {
                ssize_t k = pwrite(fd, buf + off, size - off, (off_t) off);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        r = k < 0 ? -errno : -EIO;
                else
                        off += (size_t) k;
        }
        free(buf);
        if (r < 0) {
                if (fd >= 0)
                        close(fd);
                return r;
        }
        return fd;
}

static void keep_on_exec(int fd)
{
        if (fd >= 0)
                fcntl(fd, F_SETFD, 0);
}

_Noreturn void program_exec(const struct run_program *prog, int report_fd, int init_fd)
{
        struct error err = { 0 };
        struct run_security sec = prog->sec;
        /* the image's own files, read here: the static init knows no names */
        if (sec.user_name && resolve_user(&sec, &err) < 0)
                report_and_exit(report_fd, &err, 126);
        struct sock_fprog compiled = { 0 };
        const struct sock_fprog *filter = NULL;
        if (sec.seccomp && !sec.privileged) {
                filter = sec.filter;
                if (!filter) {
                        if (seccomp_prepare(sec.caps, &compiled, &err) < 0)
                                report_and_exit(report_fd, &err, 126);
                        filter = &compiled;
                }
        }
        int params = join_message(prog, &sec, filter, report_fd);
        if (params < 0)
                report_fail(report_fd, 126, -params, "cannot pass its parameters to baleine-init: %s", strerror(-params));
        /* nothing of the host survives the exec but what the join names
         * (the init_fd memfd itself goes with it, close-on-exec) */
        syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
        int pass[] = { params, report_fd, prog->go_fd, prog->stdio[0], prog->stdio[1], prog->stdio[2], prog->pty_slave };
        for (size_t i = 0; i < ARRAY_SIZE(pass); i++)
                keep_on_exec(pass[i]);
        for (int i = 0; prog->fork && i < 6; i++)
                keep_on_exec(prog->relay[i]);
        if (prog->fork)
                keep_on_exec(prog->status_fd);
        char fd_s[16];
        snprintf(fd_s, sizeof(fd_s), "%d", params);
        char *argv[] = { (char *) "baleine-init", (char *) JOIN_MODE, fd_s, NULL };
        int e = -exec_sealed(init_fd, argv);
        report_fail(report_fd, 126, e, "cannot execute the sealed baleine-init: %s", strerror(e));
}
