/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "container.h"
#include "image/image.h"
#include "runtime/runtime.h"

/* Each descriptor a caller gives must be open (-1s are allowed). */
static int check_stdio(bl_ctx *ctx, const char *name, const int stdio[3])
{
        static const char *const what[] = { "stdin", "stdout", "stderr" };
        for (int i = 0; i < 3; i++)
                if (stdio[i] < -1 || (stdio[i] >= 0 && fcntl(stdio[i], F_GETFD) < 0))
                        return ctx_fail(ctx, EBADF, "container \"%s\": its %s, descriptor %d, is not open", name, what[i],
                                        stdio[i]);
        return 0;
}

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
        /* its processes are frozen: the joining one would freeze too */
        if (container_paused(ctx, &m))
                return ctx_fail(ctx, EBUSY, "container \"%s\": is paused; unpause it before exec", name);
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
        _cleanup_close_ int devnull = -1;
        for (int i = 0; i < 3; i++) {
                spec.prog.stdio[i] = cfg->stdio_set ? cfg->stdio[i] : i;
                if (spec.prog.stdio[i] < 0) {
                        /* -1: /dev/null, as `docker exec -d` */
                        if (devnull < 0 && (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
                                return ctx_fail(ctx, errno, "container \"%s\": /dev/null: %m", name);
                        spec.prog.stdio[i] = devnull;
                }
        }
        if (!cfg->tty && (r = check_stdio(ctx, name, spec.prog.stdio)) < 0)
                return r;
        spec.prog.pty_slave = -1;
        spec.prog.go_fd = -1;
        spec.tty = cfg->tty;
        if (!ret)
                return ctx_fail(ctx, EINVAL, "container \"%s\": exec needs a process to return", name);
        bl_process *p = calloc(1, sizeof(*p));
        if (!p)
                return ctx_fail(ctx, ENOMEM, "container \"%s\": %s", name, strerror(ENOMEM));
        p->status_fd = -1;
        if ((r = runtime_exec(ctx, &spec, &p->pid, &p->pidfd, &p->status_fd, &master)) < 0) {
                free(p);
                return ctx_fail_wrap(ctx, r, "container \"%s\"", name);
        }
        p->ptmx = steal_fd(&master);
        *ret = p;
        return 0;
}

BL_EXPORT int bl_exec_config_set_stdio(bl_exec_config *cfg, int in, int out, int err)
{
        if (!cfg || in < -1 || out < -1 || err < -1)
                return -EINVAL;
        cfg->stdio_set = true;
        cfg->stdio[0] = in;
        cfg->stdio[1] = out;
        cfg->stdio[2] = err;
        return 0;
}

BL_EXPORT int bl_container_start_attach(bl_ctx *ctx, const char *name, int in, int out, int err, bl_process **ret)
{
        ctx_begin_call(ctx);
        int stdio[3] = { in, out, err }, r;
        if (!ret)
                return ctx_fail(ctx, EINVAL, "container \"%s\": an attached start needs a process to return", name);
        if ((r = check_stdio(ctx, name, stdio)) < 0)
                return r;
        bl_process *p = NULL;
        if ((r = container_start_user(ctx, name, BL_START_ATTACH, stdio, &p)) < 0)
                return r;
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
        if (p->pidfd < 0)
                return ctx_fail(ctx, ECHILD, "process %d: already waited for", (int) p->pid);
        /* by its pidfd: the library's children have no exit signal, so
         * neither an ignored SIGCHLD nor the caller's handler takes them */
        int code = -1, r = runtime_wait(p->pidfd, p->status_fd, &code);
        /* a container's init: its status is in its exit-status file */
        if (r < 0 && !(r == -ECHILD && p->container))
                return ctx_fail(ctx, -r, "process %d: cannot wait: %s", (int) p->pid, strerror(-r));
        close(p->pidfd);
        p->pidfd = -1;
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
                        else
                                code = -1;
                        container_finalize(ctx, &m, NULL);
                        ctx_trace(ctx, "wait: finalized");
                }
        }
        if (code < 0)
                return ctx_fail(ctx, ECHILD, "process %d: its status was taken by another waiter", (int) p->pid);
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
        if (p->status_fd >= 0)
                close(p->status_fd);
        free(p->container);
        free(p);
}
