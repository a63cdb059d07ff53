/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include "runtime.h"

extern char **environ;

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

_Noreturn void program_exec(const struct run_program *prog, int report_fd)
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
        /* nothing of the host survives exec but 0, 1, 2 */
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
        if (security_apply(&sec, err, sizeof(err)) < 0)
                report_and_exit(report_fd, EPERM, 126, err);
        /* the last wait: the init must be non-dumpable before our program runs */
        if (prog->go_fd >= 0) {
                char go;
                (void) !read(prog->go_fd, &go, 1);
                close(prog->go_fd);
        }
        environ = prog->envp;
        execvp(prog->argv[0], prog->argv);
        int e = errno;
        snprintf(err, sizeof(err), "program \"%s\": %s", prog->argv[0],
                 e == ENOENT ? "not found in the image" : strerror(e));
        report_and_exit(report_fd, e, e == ENOENT ? 127 : 126, err);
}
