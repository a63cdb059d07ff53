/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
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

static int resolve_user(struct run_security *sec, char *err, size_t errlen)
{
        char user[128], *group;
        snprintf(user, sizeof(user), "%s", sec->user_name);
        group = strchr(user, ':');
        if (group)
                *group++ = 0;
        unsigned uid, gid;
        uint64_t v;
        if (bl_parse_u64(user, &v) == 0) {
                uid = (unsigned) v;
                gid = uid;
        } else if (lookup_id("/etc/passwd", user, &uid, &gid) < 0) {
                snprintf(err, errlen, "user \"%s\" not found in the image's /etc/passwd", user);
                return -ENOENT;
        }
        if (group) {
                if (bl_parse_u64(group, &v) == 0)
                        gid = (unsigned) v;
                else if (lookup_id("/etc/group", group, &gid, NULL) < 0) {
                        snprintf(err, errlen, "group \"%s\" not found in the image's /etc/group", group);
                        return -ENOENT;
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

/* baleine-init --exec REPORT_FD ARGC ARG... ENV... */
static char **exec_argv(const struct run_program *prog, int report_fd, char *fd_s, char *argc_s)
{
        size_t na = 0, ne = 0;
        while (prog->argv[na])
                na++;
        while (prog->envp && prog->envp[ne])
                ne++;
        char **a = calloc(na + ne + 5, sizeof(char *));
        if (!a)
                return NULL;
        snprintf(fd_s, 16, "%d", report_fd);
        snprintf(argc_s, 24, "%zu", na);
        a[0] = (char *) "baleine-init";
        a[1] = (char *) INIT_EXEC_MODE;
        a[2] = fd_s;
        a[3] = argc_s;
        memcpy(a + 4, prog->argv, na * sizeof(char *));
        if (ne)
                memcpy(a + 4 + na, prog->envp, ne * sizeof(char *));
        return a;
}

_Noreturn void program_exec(const struct run_program *prog, int report_fd, int init_fd)
{
        char err[256];
        setsid();
        if (prog->pty_slave >= 0) {
                dup2(prog->pty_slave, 0);
                dup2(prog->pty_slave, 1);
                dup2(prog->pty_slave, 2);
                ioctl(0, TIOCSCTTY, 0);
        } else {
                for (int i = 0; i < 3; i++)
                        if (prog->stdio[i] >= 0 && prog->stdio[i] != i)
                                dup2(prog->stdio[i], i);
        }
        /* nothing of the host survives exec but 0, 1, 2 (and the report
         * descriptor, which the sealed init closes as it executes the program) */
        syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int s = 1; s < NSIG; s++)
                signal(s, SIG_DFL);

        const char *wd = prog->workdir && *prog->workdir ? prog->workdir : "/";
        if (chdir(wd) < 0) {
                int e = errno;
                snprintf(err, sizeof(err), "working directory \"%s\": %s", wd, strerror(e));
                report_and_exit(report_fd, e, 126, err);
        }
        struct run_security sec = prog->sec;
        if (sec.user_name && resolve_user(&sec, err, sizeof(err)) < 0)
                report_and_exit(report_fd, ENOENT, 126, err);
        char fd_s[16], argc_s[24];
        char **argv = exec_argv(prog, report_fd, fd_s, argc_s);
        if (!argv)
                report_and_exit(report_fd, ENOMEM, 126, "out of memory");
        if (security_apply(&sec, err, sizeof(err)) < 0)
                report_and_exit(report_fd, EPERM, 126, err);
        /* the last wait: the init must be non-dumpable before our program runs */
        if (prog->go_fd >= 0) {
                char go;
                (void) !read(prog->go_fd, &go, 1);
                close(prog->go_fd);
        }
        /* the sealed init executes the program: this host program never does */
        fcntl(report_fd, F_SETFD, 0);
        int e = -exec_sealed(init_fd, argv);
        snprintf(err, sizeof(err), "cannot execute the sealed baleine-init: %s", strerror(e));
        report_and_exit(report_fd, e, 126, err);
}
