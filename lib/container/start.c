/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A container's start: a sequence of small steps (program, stdio, disk,
 * cgroup, network, spawn, veths, record, release), each of which pushes
 * what undoes it on one list; a failure runs the list backwards, as crun's
 * container set-up does.  Under the store's lock throughout.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>

#include "container.h"
#include "disk/disk.h"
#include "runtime/runtime.h"
#include "start.h"

void push_undo(struct start *st, void (*fn)(struct start *, size_t), size_t arg)
{
        /* bounded by construction: one per step and one per interface */
        if (st->nundo < UNDO_MAX)
                st->undo[st->nundo++] = (struct undo) { fn, arg };
}

static void run_undo(struct start *st)
{
        while (st->nundo > 0) {
                struct undo *u = &st->undo[--st->nundo];
                u->fn(st, u->arg);
        }
}

static void start_done(struct start *st)
{
        free(st->mnt);
        free(st->disk);
        free(st->hosts);
        strv_freep(&st->argv);
        strv_freep(&st->env);
        limits_free(&st->lim);
        int *fds[] = { &st->status_fd, &st->log_fd, &st->old_fd, &st->loop_fd, &st->master, &st->slave };
        for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
                if (*fds[i] >= 0)
                        close(*fds[i]);
}

static int configure_network(void *data, char *err, size_t errlen)
{
        struct net_hook *h = data;
        return net_configure_inside(h->ifs, h->n, err, errlen);
}

/* Whether this container may start now, and its leftovers finalized. */
static int step_check(struct start *st)
{
        /* every path that starts (start, restart, check's restart policy):
         * never a container whose creator is still copying its disk */
        if (st->prev_state == CSTATE_CREATING)
                return ctx_fail(st->ctx, EBUSY, "container \"%s\": is being created", st->name);
        if (container_liveness(st->m) == LIVE_RUNNING)
                return ctx_fail(st->ctx, EBUSY, "container \"%s\": already running", st->name);
        return container_finalize(st->ctx, st->m, NULL);
}

static int step_program(struct start *st)
{
        if (!st->m->cmd || !st->m->cmd[0])
                return ctx_fail(st->ctx, EBADMSG, "container \"%s\": manifest has no valid cmd", st->name);
        if (!(st->argv = strv_copy(st->m->cmd)) || !(st->env = st->m->env ? strv_copy(st->m->env) : calloc(1, sizeof(char *))))
                return -ENOMEM;
        return program_security(st->ctx, st->m, NULL, &st->spec.prog.sec);
}

static void undo_cgroup(struct start *st, size_t arg)
{
        cgroup_remove(st->ctx, &st->cgh, st->cg);
}

static int step_cgroup(struct start *st)
{
        bl_ctx *ctx = st->ctx;
        int r;
        if ((r = cgroup_host(ctx, &st->cgh)) < 0 || (r = limits_to_cg(ctx, st->m, &st->lim, st->loop_nr)) < 0)
                return r;
        st->lim.device_rules_apply = true;
        /* the first process mounts its own disk inside the cgroup; no
         * mknod right: no one inside can make a node for it */
        struct stat lst;
        char rule[64];
        if (stat(st->loop_dev, &lst) == 0) {
                snprintf(rule, sizeof(rule), "a b %u:%u rw", major(lst.st_rdev), minor(lst.st_rdev));
                if ((r = strv_push(&st->lim.device_rules, rule)) < 0)
                        return r;
        }
        /* the cgroup is named for this root's container: one still
         * populated holds a run the store lost track of, never joined */
        free(st->m->cgroup);
        st->m->cgroup = NULL;
        container_cgroup(ctx, st->m, st->cg);
        if (cgroup_populated(&st->cgh, st->cg))
                return ctx_fail(ctx, EBUSY, "container \"%s\": cgroup baleine/%s still holds processes (a run baleine lost track of?)",
                                st->name, st->cg);
        if (cgroup_exists(&st->cgh, st->cg))
                cgroup_remove(ctx, &st->cgh, st->cg);
        if ((r = cgroup_create(ctx, &st->cgh, st->cg, &st->lim)) < 0)
                return ctx_fail_wrap(ctx, r, "container \"%s\"", st->name);
        push_undo(st, undo_cgroup, 0);
        fault_point("container-start-cgroup");
        ctx_trace(ctx, "start: cgroup");
        return 0;
}

static void undo_spawn(struct start *st, size_t arg)
{
        runtime_abort(&st->child);
}

static int step_spawn(struct start *st)
{
        struct run_spec *spec = &st->spec;
        spec->loop_dev = st->loop_dev;
        spec->mountpoint = st->mnt;
        spec->hostname = st->m->hostname;
        spec->hosts_file = st->hosts;
        spec->prog.argv = st->argv;
        spec->prog.envp = st->env;
        spec->prog.workdir = st->m->workdir;
        spec->child_hook = st->hook.n ? configure_network : NULL;
        spec->hook_data = &st->hook;
        if (st->m->userns) {
                spec->userns_start = st->m->userns_start;
                spec->userns_count = st->m->userns_count;
        }
        int r = runtime_spawn(st->ctx, spec, &st->child);
        if (r < 0)
                return r;
        push_undo(st, undo_spawn, 0);
        if ((r = cgroup_attach(st->ctx, &st->cgh, st->cg, st->child.pid)) < 0)
                return r;
        fault_point("container-start-spawned");
        ctx_trace(st->ctx, "start: cloned");
        return 0;
}

static void undo_veth(struct start *st, size_t i)
{
        net_link_delete(st->ctx, st->hostifs[i]);
}

static int step_veths(struct start *st)
{
        for (size_t i = 0; i < st->hook.n; i++) {
                int r = net_veth_create(st->ctx, st->hostifs[i], st->hook.ifs[i].ifname, st->child.pid, st->m->nets[i].bridge,
                                        st->hook.ifs[i].mtu);
                if (r < 0)
                        return r;
                push_undo(st, undo_veth, i);
        }
        return 0;
}

static void undo_record(struct start *st, size_t arg)
{
        st->m->state = st->prev_state;
        st->m->run.pid = 0;
        st->m->starter_pid = 0;
        container_save(st->ctx, st->m);
}

/* Recorded before the program may run: if we die from here on, check
 * finds the pid (with its start time) and undoes the start. */
static int step_record_starting(struct start *st)
{
        struct container_model *m = st->m;
        uint64_t starttime = 0;
        proc_starttime(st->child.pid, &starttime);
        m->run = (struct run_id) { (uint64_t) st->child.pid, starttime };
        m->state = CSTATE_STARTING;
        if (!(m->cgroup = strdup(st->cg)))
                return -ENOMEM;
        m->starter_pid = (uint64_t) getpid();
        int r = container_save(st->ctx, m);
        if (r < 0) {
                m->state = st->prev_state;
                return r;
        }
        push_undo(st, undo_record, 0);
        fault_point("container-start-recorded");
        ctx_trace(st->ctx, "start: recorded");
        return 0;
}

/* The program could not start (126/127): its init records the status and
 * ends; the run is finalized as any ended run.  The start's error (r, in
 * the context) is the one reported: a later failure cannot replace it,
 * the first error wins; the finalize's is only logged. */
static int start_failed_program(struct start *st, int r)
{
        while (waitpid(st->child.pid, NULL, __WALL) < 0 && errno == EINTR)
                ;
        close(st->child.pidfd);
        st->m->state = CSTATE_RUNNING;
        st->m->run.pid = 0;
        int fr = container_finalize(st->ctx, st->m, NULL);
        if (fr < 0)
                ctx_log(st->ctx, BL_LOG_WARNING, "container \"%s\": cannot record the end of its failed start: %s", st->name, strerror(-fr));
        st->nundo = 0;
        return r;
}

static int step_release(struct start *st)
{
        int code = 125;
        int r = runtime_release(st->ctx, &st->spec, &st->child, &code);
        if (r < 0) {
                ctx_fail_wrap(st->ctx, r, "container \"%s\"", st->name);
                return code == 126 || code == 127 ? start_failed_program(st, r) : r;
        }
        struct container_model *m = st->m;
        m->state = CSTATE_RUNNING;
        m->starter_pid = 0;
        m->starting_time = (uint64_t) time(NULL);
        m->has_exit = false;
        m->exit_code = m->exit_signal = 0;
        m->oom_killed = false;
        m->finished_at = 0;
        if ((r = container_save(st->ctx, m)) < 0)
                return r;
        if (st->hook.n)
                hosts_refresh(st->ctx);
        ctx_trace(st->ctx, "start: running");
        return 0;
}

static void start_hand_over(struct start *st, bl_process **ret)
{
        if (ret && (st->flags & (BL_START_ATTACH | BL_START_TTY))) {
                bl_process *p = calloc(1, sizeof(*p));
                if (p && (p->container = strdup(st->name))) {
                        p->pid = st->child.pid;
                        p->pidfd = st->child.pidfd;
                        p->status_fd = -1;
                        p->ptmx = steal_fd(&st->master);
                        *ret = p;
                        return;
                }
                free(p);
        }
        if (st->child.pidfd >= 0)
                close(st->child.pidfd);
        ctx_log(st->ctx, BL_LOG_INFO, "container \"%s\": started, pid %d", st->name, (int) st->child.pid);
}

int container_start_locked(bl_ctx *ctx, struct container_model *m, unsigned flags, const int *stdio, bl_process **ret)
{
        struct start st = {
                .ctx = ctx, .m = m, .name = m->name, .flags = flags, .stdio = stdio, .prev_state = m->state,
                .status_fd = -1, .log_fd = -1, .old_fd = -1, .loop_fd = -1, .master = -1, .slave = -1, .loop_nr = -1,
                .spec = { .name = m->name, .log_fd = -1, .log_old_fd = -1, .status_fd = -1,
                          .prog = { .stdio = { -1, -1, -1 }, .pty_slave = -1, .go_fd = -1 } },
                .child = { .pidfd = -1, .sync_fd = -1 },
        };
        static int (*const steps[])(struct start *) = {
                step_check, step_program, step_stdio, step_disk, step_cgroup, step_network,
                step_spawn, step_veths, step_record_starting, step_release,
        };
        int r = 0;
        st.mnt = container_file(ctx, m->name, "rootfs");
        st.disk = container_file(ctx, m->name, "rootfs.img");
        if (!st.mnt || !st.disk)
                r = -ENOMEM;
        for (size_t i = 0; r == 0 && i < ARRAY_SIZE(steps); i++)
                r = steps[i](&st);
        if (r < 0)
                run_undo(&st);
        else
                start_hand_over(&st, ret);
        start_done(&st);
        return r;
}

int container_start_user(bl_ctx *ctx, const char *name, unsigned flags, const int *stdio, bl_process **ret)
{
        _cleanup_unlock_ int lock = -1;
        _cleanup_model_ struct container_model m = { 0 };
        int r = container_lock_load(ctx, name, &lock, &m);
        if (r < 0)
                return r;
        /* a user's start clears a user's stop (restart policy "always")
         * and starts on-failure:N's count over */
        m.stopped_by_user = false;
        m.restart_count = m.restart_failures = 0;
        m.restart_exhausted = false;
        return container_start_locked(ctx, &m, flags, stdio, ret);
}

BL_EXPORT int bl_container_start(bl_ctx *ctx, const char *name, unsigned flags, bl_process **ret)
{
        ctx_begin_call(ctx);
        static const int std[3] = { 0, 1, 2 };
        return ctx_end_call(ctx, container_start_user(ctx, name, flags, std, ret), "container \"%s\"", name ? name : "");
}
