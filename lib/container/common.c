/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <signal.h>
#include <time.h>
#include <sys/wait.h>

#include "container.h"
#include "disk/disk.h"
#include "runtime/runtime.h"

char *container_dir(bl_ctx *ctx, const char *name)
{
        return store_path(ctx, "containers/%s", name);
}

char *container_file(bl_ctx *ctx, const char *name, const char *file)
{
        return store_path(ctx, "containers/%s/%s", name, file);
}

int container_load(bl_ctx *ctx, const char *name, struct container_model *m)
{
        int r = bl_name_check(ctx, "container", name);
        if (r < 0)
                return r;
        return container_model_load(ctx, name, m);
}

int container_save(bl_ctx *ctx, const struct container_model *m)
{
        const char *name = m->name;
        int r = container_model_save(ctx, m);
        if (r < 0)
                return r;
        _cleanup_free_ char *copy = container_file(ctx, name, "manifest.copy"), *text = NULL;
        if (!copy || container_model_format(m, &text) < 0)
                return 0;
        /* best effort: the manifest is the truth, the copy a spare */
        r = write_file_atomic(copy, text, strlen(text), 0600);
        if (r < 0 && r != -ENOENT)
                ctx_log(ctx, BL_LOG_WARNING, "container \"%s\": cannot write %s: %s", name, copy, strerror(-r));
        return 0;
}

int container_load_any(bl_ctx *ctx, const char *name, struct container_model *m, bool *ret_from_copy)
{
        int r = container_load(ctx, name, m);
        if (ret_from_copy)
                *ret_from_copy = false;
        if (r != -EBADMSG && r != -ENOENT)
                return r;
        _cleanup_free_ char *copy = container_file(ctx, name, "manifest.copy"), *text = NULL;
        if (!copy || read_file(copy, &text, NULL) < 0 || container_model_parse(text, m, NULL) < 0)
                return r;
        if (strcmp(m->name, name) != 0) {
                container_model_done(m);
                return r;
        }
        /* the sidecar stood in: the main manifest's failure is not one */
        ctx_error_take(ctx, NULL);
        if (ret_from_copy)
                *ret_from_copy = true;
        return 0;
}

static int names_in(const char *dir, const char *suffix, char ***names)
{
        DIR *d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        struct dirent *de;
        size_t sl = strlen(suffix);
        while ((de = readdir(d))) {
                size_t n = strlen(de->d_name);
                if (de->d_name[0] == '.' || n <= sl || strcmp(de->d_name + n - sl, suffix) != 0)
                        continue;
                _cleanup_free_ char *name = strndup(de->d_name, n - sl);
                if (name && bl_name_check(NULL, NULL, name) == 0 && !strv_contains(*names, name))
                        strv_push(names, name);
        }
        closedir(d);
        return 0;
}

int container_names(bl_ctx *ctx, char ***ret)
{
        _cleanup_free_ char *m = store_path(ctx, "manifeste/%s", KIND_CONTAINERS), *c = store_path(ctx, "containers");
        char **names = NULL;
        int r;
        if (!m || !c)
                return -ENOMEM;
        if ((r = names_in(m, ".manifest", &names)) < 0 || (r = names_in(c, "", &names)) < 0) {
                strv_freep(&names);
                return ctx_fail(ctx, r, "state root \"%s\": cannot read its containers: %s", ctx->root, strerror(-r));
        }
        *ret = names;
        return 0;
}

int container_lock_load(bl_ctx *ctx, const char *name, int *ret_lock, struct container_model *m)
{
        int r = store_lock(ctx, ret_lock);
        if (r < 0)
                return r;
        if ((r = container_load(ctx, name, m)) < 0)
                store_unlock(ret_lock);
        return r;
}

static bool proc_is_zombie(pid_t pid)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        _cleanup_free_ char *s = NULL;
        if (read_file(path, &s, NULL) < 0)
                return true;
        char *p = strrchr(s, ')');
        return !p || p[1] == 0 || p[2] == 'Z' || p[2] == 'X';
}

live_state container_liveness(const struct container_model *m)
{
        uint64_t pid = m->run.pid, st = m->run.starttime, now = 0;
        if (m->state == CSTATE_CREATED)
                return LIVE_CREATED;
        if (pid <= 1)
                return LIVE_DEAD;
        /* a pid is only ours together with its start time: never a reused one */
        if (proc_starttime((pid_t) pid, &now) < 0 || now != st)
                return LIVE_DEAD;
        if (proc_is_zombie((pid_t) pid)) {
                /* ours to reap when we started it in this process */
                waitpid((pid_t) pid, NULL, WNOHANG | __WALL);
                return LIVE_DEAD;
        }
        return LIVE_RUNNING;
}

bool container_same_run(const struct container_model *m, struct run_id id)
{
        return m->run.pid == id.pid && m->run.starttime == id.starttime;
}

const char *container_cgroup(bl_ctx *ctx, const struct container_model *m, char buf[CGNAME_MAX])
{
        /* the store has checked that a recorded one is one component */
        if (m->cgroup)
                snprintf(buf, CGNAME_MAX, "%s", m->cgroup);
        else
                snprintf(buf, CGNAME_MAX, "%s@%s", m->name, store_root_id(ctx));
        return buf;
}

int container_space_check(bl_ctx *ctx, const char *name, uint64_t size)
{
        _cleanup_free_ char *dir = store_path(ctx, "containers");
        uint64_t avail;
        if (!dir)
                return -ENOMEM;
        if (disk_free_bytes(dir, &avail) < 0 || avail >= size)
                return 0;
        char a[32], s[32];
        format_size(avail, a);
        format_size(size, s);
        return ctx_fail(ctx, ENOSPC, "container \"%s\": the state root has %s free, its disk may grow by %s; free some space first", name,
                      a, s);
}

bool container_disk_busy(bl_ctx *ctx, const char *name)
{
        _cleanup_free_ char *disk = container_file(ctx, name, "rootfs.img");
        if (!disk)
                return true;
        /* a run that just ended frees its loop device as its mount
         * namespace goes: a moment */
        for (int i = 0; i < 150; i++) {
                if (!disk_loop_backs(disk, NULL))
                        return false;
                nanosleep(&(struct timespec) { 0, 20 * 1000 * 1000 }, NULL);
        }
        return true;
}

int exit_status_read(const char *path, int *ret_code, int *ret_signal)
{
        _cleanup_free_ char *s = NULL;
        int r = read_line(path, &s);
        if (r < 0)
                return r;
        int v;
        if (sscanf(s, "exit %d", &v) == 1) {
                *ret_code = v;
                *ret_signal = 0;
                return 0;
        }
        if (sscanf(s, "signal %d", &v) == 1) {
                *ret_code = 128 + v;
                *ret_signal = v;
                return 0;
        }
        return -EBADMSG;
}

/* The end of a run in the model: its status, its OOM kills, no pid. */
static void record_exit(bl_ctx *ctx, struct container_model *m, const struct cg_host *h, const char *cg)
{
        _cleanup_free_ char *status = container_file(ctx, m->name, "exit-status");
        int code = -1, sig = 0;
        if (!status || exit_status_read(status, &code, &sig) < 0) {
                /* no record from the init: everything was killed */
                code = 137;
                sig = 9;
        }
        m->has_exit = true;
        m->exit_code = code;
        m->exit_signal = sig;
        uint64_t ooms = 0;
        m->oom_killed = h && cgroup_oom_kills(h, cg, &ooms) == 0 && ooms > 0;
        m->state = CSTATE_EXITED;
        m->finished_at = now_usec() / 1000000;
        m->run.pid = 0;
        m->starter_pid = 0;
}

int container_finalize(bl_ctx *ctx, struct container_model *m, bool *ret_changed)
{
        bool changed = false;
        if (ret_changed)
                *ret_changed = false;
        /* the caller's look may be stale (another verb started it again):
         * a live run is not ours to finalize */
        if (container_liveness(m) == LIVE_RUNNING)
                return 0;
        struct cg_host h;
        bool have_cg = cgroup_host(ctx, &h) == 0;
        char cgbuf[CGNAME_MAX];
        const char *cg = container_cgroup(ctx, m, cgbuf);
        if (m->state == CSTATE_RUNNING || m->state == CSTATE_STARTING) {
                record_exit(ctx, m, have_cg ? &h : NULL, cg);
                changed = true;
        }
        /* the cgroup is this root's own; populated while the init is dead,
         * it holds a run's last processes: they take a moment to go */
        bool ours = false;
        if (have_cg && cgroup_exists(&h, cg)) {
                for (int i = 0; i < 50 && !(ours = !cgroup_populated(&h, cg)); i++)
                        nanosleep(&(struct timespec) { 0, 20 * 1000 * 1000 }, NULL);
        }
        if (ours) {
                /* tolerated: logged.  A caller's pending failure stays the
                 * one reported (the first error wins in the context) */
                bool pending = ctx_has_error(ctx);
                int r = cgroup_remove(ctx, &h, cg);
                if (r < 0 && !pending) {
                        struct error e;
                        ctx_error_take(ctx, &e);
                        ctx_log(ctx, BL_LOG_WARNING, "%s", e.msg);
                } else if (r < 0)
                        ctx_log(ctx, BL_LOG_WARNING, "container \"%s\": cannot remove cgroup baleine/%s: %s", m->name, cg, strerror(-r));
                changed = true;
        }
        network_cleanup(ctx, m);
        if (changed) {
                int r = container_save(ctx, m);
                if (r < 0)
                        return r;
                if (m->nnets)
                        hosts_refresh(ctx);
        }
        if (ret_changed)
                *ret_changed = changed;
        return 0;
}

int cgroup_host(bl_ctx *ctx, struct cg_host *ret)
{
        return cgroup_detect(ctx, NULL, ret);
}
