/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "container.h"
#include "disk/disk.h"
#include "image/image.h"
#include "runtime/runtime.h"

struct net_hook {
        struct net_if ifs[MAX_NETS];
        size_t n;
};

static int configure_network(void *data, char *err, size_t errlen)
{
        struct net_hook *h = data;
        return net_configure_inside(h->ifs, h->n, err, errlen);
}

static int caps_of(bl_ctx *ctx, const bl_record *rec, uint64_t *ret)
{
        const char *priv = bl_record_get(rec, "privileged");
        if (priv && strcmp(priv, "yes") == 0) {
                *ret = caps_all();
                return 0;
        }
        uint64_t caps = caps_default();
        static const char *const keys[] = { "cap_add", "cap_drop" };
        for (int k = 0; k < 2; k++) {
                const char *j = bl_record_get(rec, keys[k]);
                _cleanup_strv_ char **v = NULL;
                if (!j)
                        continue;
                if (argv_from_json(j, &v) < 0)
                        return ctx_fail(ctx, EBADMSG, "container \"%s\": bad %s", bl_record_get(rec, "name"), keys[k]);
                for (char **p = v; *p; p++) {
                        uint64_t m;
                        if (cap_from_name(*p, &m) < 0)
                                return ctx_fail(ctx, EINVAL, "container \"%s\": unknown capability \"%s\"", bl_record_get(rec, "name"), *p);
                        caps = k == 0 ? caps | m : caps & ~m;
                }
        }
        *ret = caps;
        return 0;
}

int program_security(bl_ctx *ctx, const bl_record *rec, const char *user_override, struct run_security *sec)
{
        memset(sec, 0, sizeof(*sec));
        int r = caps_of(ctx, rec, &sec->caps);
        if (r < 0)
                return r;
        const char *priv = bl_record_get(rec, "privileged");
        const char *sc = bl_record_get(rec, "seccomp");
        sec->privileged = priv && strcmp(priv, "yes") == 0;
        sec->seccomp = !sc || strcmp(sc, "unconfined") != 0;
        const char *user = user_override ? user_override : bl_record_get(rec, "user");
        if (user && parse_user(user, &sec->uid, &sec->gid) < 0)
                sec->user_name = user; /* a name: looked up in the image's own files */
        return 0;
}

static int open_pty(bl_ctx *ctx, const char *name, int *ret_master, int *ret_slave)
{
        int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0) {
                int e = errno;
                if (m >= 0)
                        close(m);
                return ctx_fail(ctx, e, "container \"%s\": cannot allocate a terminal: %s", name, strerror(e));
        }
        char *pts = ptsname(m);
        int s = pts ? open(pts, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
        if (s < 0) {
                int e = errno;
                close(m);
                return ctx_fail(ctx, e, "container \"%s\": cannot open the terminal: %s", name, strerror(e));
        }
        /* the caller's terminal size, when it has one */
        struct winsize ws;
        if (isatty(STDIN_FILENO) && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
                ioctl(m, TIOCSWINSZ, &ws);
        *ret_master = m;
        *ret_slave = s;
        return 0;
}

static int open_in(bl_ctx *ctx, const char *name, const char *file, int flags, int *ret)
{
        _cleanup_free_ char *p = container_file(ctx, name, file);
        if (!p)
                return -ENOMEM;
        int fd = open(p, flags | O_CLOEXEC, 0600);
        if (fd < 0)
                return ctx_fail(ctx, errno, "container \"%s\": cannot open %s: %m", name, p);
        *ret = fd;
        return 0;
}

int container_start_locked(bl_ctx *ctx, bl_record *rec, unsigned flags, const int *stdio, bl_process **ret)
{
        const char *name = bl_record_get(rec, "name");
        _cleanup_close_ int status_fd = -1, log_fd = -1, old_fd = -1, loop_fd = -1, master = -1, slave = -1;
        _cleanup_strv_ char **argv = NULL, **env = NULL;
        /* the filesystem is mounted on the container's own folder, in its
         * mount namespace only */
        _cleanup_free_ char *mnt = container_file(ctx, name, "rootfs"), *disk = container_file(ctx, name, "rootfs.img");
        _cleanup_free_ char *hosts = NULL;
        struct run_spec spec = { .name = name, .log_fd = -1, .log_old_fd = -1, .status_fd = -1 };
        struct net_hook hook = { 0 };
        struct cg_limits lim = { 0 };
        struct cg_host cgh;
        struct run_child child = { .pidfd = -1, .sync_fd = -1 };
        char hostifs[MAX_NETS][IFNAMSIZ_];
        char cg[CGNAME_MAX];
        size_t nveth = 0;
        bool cg_made = false, saved_starting = false;
        int r, loop_nr = -1;
        _cleanup_free_ char *prev_state = strdup_or_null(bl_record_get(rec, "state"));

        /* every path that starts (start, restart, check's restart policy):
         * never a container whose creator is still copying its disk */
        if (prev_state && strcmp(prev_state, "creating") == 0)
                return ctx_fail(ctx, EBUSY, "container \"%s\": is being created", name);
        if (container_liveness(rec) == LIVE_RUNNING)
                return ctx_fail(ctx, EBUSY, "container \"%s\": already running", name);
        if ((r = container_finalize(ctx, rec, NULL)) < 0)
                return r;
        if (!mnt || !disk)
                return -ENOMEM;
        if (argv_from_json(bl_record_get(rec, "cmd") ? bl_record_get(rec, "cmd") : "", &argv) < 0 || !argv[0])
                return ctx_fail(ctx, EBADMSG, "container \"%s\": manifest has no valid cmd", name);
        if (argv_from_json(bl_record_get(rec, "env") ? bl_record_get(rec, "env") : "[]", &env) < 0)
                return ctx_fail(ctx, EBADMSG, "container \"%s\": manifest has no valid env", name);
        if ((r = program_security(ctx, rec, NULL, &spec.prog.sec)) < 0)
                return r;

        mkdir(mnt, 0700);
        if ((r = open_in(ctx, name, "exit-status", O_WRONLY | O_CREAT | O_TRUNC, &status_fd)) < 0)
                return r;
        spec.prog.stdio[0] = spec.prog.stdio[1] = spec.prog.stdio[2] = -1;
        spec.prog.pty_slave = -1;
        spec.prog.go_fd = -1;
        if (flags & BL_START_TTY) {
                if ((r = open_pty(ctx, name, &master, &slave)) < 0)
                        return r;
                spec.prog.pty_slave = slave;
                spec.console = ptsname(master);
        } else {
                /* attached: the caller's descriptors, its output teed into the log */
                if ((flags & BL_START_ATTACH) && stdio)
                        memcpy(spec.prog.stdio, stdio, sizeof(spec.prog.stdio));
                if ((r = open_in(ctx, name, "console.log", O_RDWR | O_CREAT | O_APPEND, &log_fd)) < 0 ||
                    (r = open_in(ctx, name, "console.log.1", O_WRONLY | O_CREAT, &old_fd)) < 0)
                        return r;
                spec.log_fd = log_fd;
                spec.log_old_fd = old_fd;
                spec.log_max = LOG_MAX_DEFAULT;
                /* BALEINE_LOG_MAX (bytes) changes where console.log rotates, in test builds */
                const char *lm = test_knob("BALEINE_LOG_MAX");
                uint64_t v;
                if (lm && parse_u64(lm, &v) == 0 && v >= 1024)
                        spec.log_max = v;
        }
        spec.status_fd = status_fd;

        _cleanup_free_ char *fstype = NULL;
        if ((r = disk_probe_fstype(ctx, disk, &fstype)) < 0)
                return ctx_fail_wrap(ctx, r, "container \"%s\"", name);
        if (strcmp(fstype, "ext4") != 0)
                return ctx_fail(ctx, EMEDIUMTYPE, "container \"%s\": disk holds %s, not ext4", name, fstype);
        {
                /* what the sparse copy may still allocate */
                struct stat dst;
                if (stat(disk, &dst) == 0 && (uint64_t) dst.st_size > (uint64_t) dst.st_blocks * 512 &&
                    (r = container_space_check(ctx, name, (uint64_t) dst.st_size - (uint64_t) dst.st_blocks * 512)) < 0)
                        return r;
        }
        if (disk_ext4_has_errors(disk)) {
                ctx_log(ctx, BL_LOG_WARNING, "container \"%s\": its disk records ext4 errors; running e2fsck -p on it", name);
                if ((r = disk_ext4_repair(ctx, disk)) < 0)
                        return ctx_fail_wrap(ctx, r, "container \"%s\"", name);
                ctx_log(ctx, BL_LOG_WARNING, "container \"%s\": e2fsck repaired its disk", name);
        }
        if ((r = loop_attach(ctx, disk, false, &loop_fd, &loop_nr)) < 0)
                return ctx_fail_wrap(ctx, r, "container \"%s\"", name);
        fault_point("container-start-loop");
        ctx_trace(ctx, "start: loop device");
        char loop_dev[32];
        snprintf(loop_dev, sizeof(loop_dev), "/dev/loop%d", loop_nr);

        if ((r = cgroup_host(ctx, &cgh)) < 0 || (r = limits_from_record(ctx, rec, &lim, loop_nr)) < 0)
                goto fail;
        lim.device_rules_apply = true;
        {
                /* the first process mounts its own disk inside the cgroup;
                 * no mknod right: no one inside can make a node for it */
                struct stat lst;
                char rule[64];
                if (stat(loop_dev, &lst) == 0) {
                        snprintf(rule, sizeof(rule), "a b %u:%u rw", major(lst.st_rdev), minor(lst.st_rdev));
                        strv_push(&lim.device_rules, rule);
                }
        }
        /* the cgroup is named for this root's container: one still
         * populated holds a run the store lost track of, never joined */
        record_set(rec, "cgroup", NULL);
        container_cgroup(ctx, rec, cg);
        if (cgroup_populated(&cgh, cg)) {
                r = ctx_fail(ctx, EBUSY, "container \"%s\": cgroup baleine/%s still holds processes (a run baleine lost track of?)", name, cg);
                goto fail;
        }
        if (cgroup_exists(&cgh, cg))
                cgroup_remove(ctx, &cgh, cg);
        if ((r = cgroup_create(ctx, &cgh, cg, &lim)) < 0) {
                ctx_fail_wrap(ctx, r, "container \"%s\"", name);
                goto fail;
        }
        cg_made = true;
        fault_point("container-start-cgroup");
        ctx_trace(ctx, "start: cgroup");

        for (size_t i = 0; i < network_count(rec); i++) {
                _cleanup_free_ char *br = NULL, *hostif = NULL;
                uint32_t baddr;
                int bprefix, mtu = 1500;
                struct net_if *nif = &hook.ifs[hook.n];
                if (network_parse(rec, i, &br, &nif->addr, &nif->prefix, &hostif) < 0) {
                        r = ctx_fail(ctx, EBADMSG, "container \"%s\": bad net%zu in its manifest", name, i);
                        goto fail;
                }
                if ((r = bridge_ensure(ctx, br, &baddr, &bprefix)) < 0)
                        goto fail;
                net_link_query(ctx, br, NULL, &mtu, NULL);
                snprintf(nif->ifname, sizeof(nif->ifname), "eth%zu", i);
                nif->gateway = i == 0 ? baddr : 0;
                nif->mtu = mtu;
                snprintf(hostifs[hook.n], IFNAMSIZ_, "%s", hostif);
                hook.n++;
                if (i == 0) {
                        hosts = hosts_path(ctx, br);
                        hosts_refresh(ctx);
                }
        }

        spec.loop_dev = loop_dev;
        spec.mountpoint = mnt;
        spec.hostname = bl_record_get(rec, "hostname");
        spec.hosts_file = hosts;
        spec.prog.argv = argv;
        spec.prog.envp = env;
        spec.prog.workdir = bl_record_get(rec, "workdir");
        spec.child_hook = hook.n ? configure_network : NULL;
        const char *ns = bl_record_get(rec, "userns");
        unsigned ns_start, ns_count;
        if (ns && sscanf(ns, "%u %u", &ns_start, &ns_count) == 2) {
                spec.userns_start = ns_start;
                spec.userns_count = ns_count;
        }
        spec.hook_data = &hook;

        if ((r = runtime_spawn(ctx, &spec, &child)) < 0)
                goto fail;
        if ((r = cgroup_attach(ctx, &cgh, cg, child.pid)) < 0)
                goto fail;
        fault_point("container-start-spawned");
        ctx_trace(ctx, "start: cloned");
        for (size_t i = 0; i < hook.n; i++) {
                _cleanup_free_ char *br = NULL;
                uint32_t a;
                int p;
                network_parse(rec, i, &br, &a, &p, NULL);
                if ((r = net_veth_create(ctx, hostifs[i], hook.ifs[i].ifname, child.pid, br, hook.ifs[i].mtu)) < 0)
                        goto fail;
                nveth++;
        }
        /* recorded before the program may run: if we die from here on, check
         * finds the pid (with its start time) and undoes the start */
        uint64_t st = 0;
        proc_starttime(child.pid, &st);
        record_setf(rec, "pid", "%d", (int) child.pid);
        record_setf(rec, "pid_starttime", "%llu", (unsigned long long) st);
        record_set(rec, "state", "starting");
        record_set(rec, "cgroup", cg);
        record_setf(rec, "starter_pid", "%d", (int) getpid());
        if ((r = container_save(ctx, rec)) < 0) {
                record_set(rec, "state", prev_state);
                goto fail;
        }
        saved_starting = true;
        fault_point("container-start-recorded");
        ctx_trace(ctx, "start: recorded");
        int code = 125;
        if ((r = runtime_release(ctx, &spec, &child, &code)) < 0) {
                ctx_fail_wrap(ctx, r, "container \"%s\"", name);
                if (code == 126 || code == 127) {
                        /* the program could not start: its init records the status and ends */
                        while (waitpid(child.pid, NULL, __WALL) < 0 && errno == EINTR)
                                ;
                        close(child.pidfd);
                        record_set(rec, "state", "running");
                        record_set(rec, "pid", "0");
                        /* the start's error is the one to report; the
                         * finalize's own (if any) is only logged */
                        struct error start_err, fin_err;
                        ctx_error_take(ctx, &start_err);
                        if (container_finalize(ctx, rec, NULL) < 0) {
                                ctx_error_take(ctx, &fin_err);
                                ctx_log(ctx, BL_LOG_WARNING, "%s", fin_err.msg);
                        }
                        limits_free(&lim);
                        return ctx_error_adopt(ctx, &start_err);
                }
                goto fail;
        }

        record_set(rec, "state", "running");
        record_set(rec, "starter_pid", NULL);
        record_setf(rec, "starting_time", "%lld", (long long) time(NULL));
        record_set(rec, "exit_code", NULL);
        record_set(rec, "exit_signal", NULL);
        record_set(rec, "oom_killed", NULL);
        record_set(rec, "finished_at", NULL);
        if ((r = container_save(ctx, rec)) < 0)
                goto fail;
        if (hook.n)
                hosts_refresh(ctx);
        limits_free(&lim);
        ctx_trace(ctx, "start: running");

        if (ret && (flags & (BL_START_ATTACH | BL_START_TTY))) {
                bl_process *p = calloc(1, sizeof(*p));
                if (p) {
                        p->pid = child.pid;
                        p->pidfd = child.pidfd;
                        p->status_fd = -1;
                        p->ptmx = steal_fd(&master);
                        p->container = strdup(name);
                        *ret = p;
                        return 0;
                }
        }
        if (child.pidfd >= 0)
                close(child.pidfd);
        ctx_log(ctx, BL_LOG_INFO, "container \"%s\": started, pid %d", name, (int) child.pid);
        return 0;

fail:
        runtime_abort(&child);
        if (saved_starting) {
                record_set(rec, "state", prev_state);
                record_set(rec, "pid", "0");
                record_set(rec, "starter_pid", NULL);
                container_save(ctx, rec);
        }
        for (size_t i = 0; i < nveth; i++)
                net_link_delete(ctx, hostifs[i]);
        if (cg_made)
                cgroup_remove(ctx, &cgh, cg);
        limits_free(&lim);
        return r < 0 ? r : -EIO;
}

BL_EXPORT int bl_container_start(bl_ctx *ctx, const char *name, unsigned flags, bl_process **ret)
{
        ctx_begin_call(ctx);
        static const int std[3] = { 0, 1, 2 };
        return container_start_user(ctx, name, flags, std, ret);
}

int container_start_user(bl_ctx *ctx, const char *name, unsigned flags, const int *stdio, bl_process **ret)
{
        _cleanup_unlock_ int lock = -1;
        _cleanup_record_ bl_record *rec = NULL;
        int r = container_lock_load(ctx, name, &lock, &rec);
        if (r < 0)
                return r;
        /* a user's start clears a user's stop (restart policy "always")
         * and starts on-failure:N's count over */
        record_set(rec, "stopped_by_user", NULL);
        record_set(rec, "restart_count", NULL);
        record_set(rec, "restart_failures", NULL);
        record_set(rec, "restart_exhausted", NULL);
        return container_start_locked(ctx, rec, flags, stdio, ret);
}
