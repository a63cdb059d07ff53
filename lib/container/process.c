/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "container.h"
#include "image/image.h"
#include "runtime/runtime.h"

BL_EXPORT int bl_container_exec(bl_ctx *ctx, const char *name, const bl_exec_config *cfg, bl_process **ret)
{
        ctx_begin_call(ctx);
        _cleanup_model_ struct container_model m = { 0 };
        _cleanup_strv_ char **env = NULL, **procs = NULL;
        _cleanup_close_ int pidfd = -1, master = -1;
        struct exec_spec spec = { .pidfd = -1 };
        int r = container_load(ctx, name, &m);
        if (r < 0)
                return r;
        if (!cfg || !cfg->argv)
                return ctx_fail(ctx, EINVAL, "container \"%s\": exec needs a command", name);
        if (container_liveness(&m) != LIVE_RUNNING || proc_open_verified((pid_t) m.run.pid, m.run.starttime, &pidfd) < 0)
                return ctx_fail(ctx, EINVAL, "container \"%s\": is not running", name);
        if (!(env = m.env ? strv_copy(m.env) : calloc(1, sizeof(char *))))
                return -ENOMEM;
        for (char **p = cfg->env; p && *p; p++)
                if ((r = env_set(&env, *p)) < 0)
                        return r;
        struct cg_host h;
        char cg[CGNAME_MAX];
        if ((r = cgroup_host(ctx, &h)) < 0 || (r = cgroup_procs_files(ctx, &h, container_cgroup(ctx, &m, cg), &procs)) < 0)
                return r;
        if ((r = program_security(ctx, &m, cfg->user, &spec.prog.sec)) < 0)
                return r;
        spec.pidfd = pidfd;
        spec.cgroup_procs = procs;
        spec.userns = m.userns;
        spec.prog.argv = cfg->argv;
        spec.prog.envp = env;
        spec.prog.workdir = cfg->workdir ? cfg->workdir : m.workdir;
        spec.prog.stdio[0] = 0;
        spec.prog.stdio[1] = 1;
        spec.prog.stdio[2] = 2;
        spec.prog.pty_slave = -1;
        spec.prog.go_fd = -1;
        spec.tty = cfg->tty;
        pid_t child;
        int code = 126;
        if ((r = runtime_exec(ctx, &spec, &child, &code, &master)) < 0) {
                ctx_fail_wrap(ctx, r, "container \"%s\"", name);
                bl_process *p = calloc(1, sizeof(*p));
                if (p && ret) {
                        /* the caller still gets the status: 126 or 127 */
                        p->pid = -code;
                        p->pidfd = -1;
                        p->ptmx = -1;
                        *ret = p;
                } else
                        free(p);
                return r;
        }
        bl_process *p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->pid = child;
        p->pidfd = -1;
        p->ptmx = steal_fd(&master);
        *ret = p;
        return 0;
}

BL_EXPORT int bl_process_ptmx(const bl_process *p)
{
        return p ? p->ptmx : -1;
}

BL_EXPORT int bl_process_wait(bl_ctx *ctx, bl_process *p, int *ret_status)
{
        ctx_begin_call(ctx);
        if (!p)
                return -EINVAL;
        if (p->pid < 0) {
                if (ret_status)
                        *ret_status = -p->pid;
                return 0;
        }
        int st;
        while (waitpid(p->pid, &st, 0) < 0)
                if (errno != EINTR)
                        return ctx_fail(ctx, errno, "process %d: waitpid: %m", (int) p->pid);
        int code = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
        ctx_trace(ctx, "wait: ended");
        if (p->container) {
                _cleanup_unlock_ int lock = -1;
                _cleanup_model_ struct container_model m = { 0 };
                /* only the run this process waited for: the container may
                 * have been stopped and started again meanwhile */
                if (store_lock(ctx, &lock) == 0 && container_load(ctx, p->container, &m) == 0 && m.run.pid == (uint64_t) p->pid) {
                        _cleanup_free_ char *status = container_file(ctx, p->container, "exit-status");
                        int sig;
                        if (status)
                                exit_status_read(status, &code, &sig);
                        container_finalize(ctx, &m, NULL);
                        ctx_trace(ctx, "wait: finalized");
                }
        }
        if (ret_status)
                *ret_status = code;
        return 0;
}

BL_EXPORT void bl_process_free(bl_process *p)
{
        if (!p)
                return;
        if (p->ptmx >= 0)
                close(p->ptmx);
        if (p->pidfd >= 0)
                close(p->pidfd);
        free(p->container);
        free(p);
}
