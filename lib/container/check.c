/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check: the only repair there is, since there is no daemon.  For every
 * container it decides the truth, makes the store say it, removes what a
 * dead container left and applies its restart policy; it also completes or
 * undoes operations that a crash interrupted.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include "container.h"
#include "disk/disk.h"
#include "runtime/runtime.h"

#define CHECK_LOG_MAX (1u << 20)
#define BACKOFF_BASE 10         /* seconds before the first retry */
#define BACKOFF_MAX 600
#define RUN_RESET 60            /* a run this long resets the back-off */

static int act(bl_ctx *ctx, bl_record_list *out, const char *object, const char *action, const char *fmt, ...)
        _printf_(5, 6);
static int act(bl_ctx *ctx, bl_record_list *out, const char *object, const char *action, const char *fmt, ...)
{
        char detail[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, sizeof(detail), fmt, ap);
        va_end(ap);
        bl_record *rec = record_new();
        if (!rec)
                return -ENOMEM;
        record_set(rec, "container", object);
        record_set(rec, "action", action);
        record_set(rec, "detail", detail);
        ctx_log(ctx, BL_LOG_INFO, "%s: %s: %s", object, action, detail);
        return record_list_push(out, rec);
}

static bool pid_alive(const bl_record *rec)
{
        uint64_t pid;
        return record_get_u64(rec, "creator_pid", &pid) == 0 && pid > 0 && kill((pid_t) pid, 0) == 0;
}

static void restart_policy(bl_ctx *ctx, bl_record *rec, bool dry, bl_record_list *out)
{
        const char *name = bl_record_get(rec, "name");
        const char *policy = bl_record_get(rec, "restart");
        const char *state = bl_record_get(rec, "state");
        if (!policy || strcmp(policy, "no") == 0 || !state || strcmp(state, "exited") != 0)
                return;
        const char *by_user = bl_record_get(rec, "stopped_by_user");
        if (by_user && strcmp(by_user, "yes") == 0)
                return; /* a user's stop suspends the policy until the next start */
        uint64_t code = 0, count = 0, failures = 0, finished = 0, started = 0, max = 0;
        record_get_u64(rec, "exit_code", &code);
        record_get_u64(rec, "restart_count", &count);
        record_get_u64(rec, "restart_failures", &failures);
        record_get_u64(rec, "finished_at", &finished);
        record_get_u64(rec, "starting_time", &started);
        if (startswith(policy, "on-failure")) {
                if (code == 0)
                        return;
                if (policy[10] == ':' && parse_u64(policy + 11, &max) == 0 && count >= max) {
                        const char *given_up = bl_record_get(rec, "restart_exhausted");
                        if (!given_up) {
                                act(ctx, out, name, "give-up", "exited %llu, %llu restarts done (%s)", (unsigned long long) code,
                                    (unsigned long long) count, policy);
                                if (!dry) {
                                        record_set(rec, "restart_exhausted", "yes");
                                        container_save(ctx, rec);
                                }
                        }
                        return;
                }
        }
        if (finished && started && finished - started >= RUN_RESET)
                failures = 0;
        /* BALEINE_BACKOFF_BASE (seconds) shortens the wait, in test builds */
        uint64_t base = BACKOFF_BASE;
        const char *b = test_knob("BALEINE_BACKOFF_BASE");
        if (b)
                parse_u64(b, &base);
        uint64_t delay = failures ? base << (failures > 6 ? 6 : failures - 1) : 0;
        if (delay > BACKOFF_MAX)
                delay = BACKOFF_MAX;
        uint64_t now = (uint64_t) time(NULL);
        if (finished + delay > now) {
                act(ctx, out, name, "wait", "restart in %llu s (back-off after %llu failures)",
                    (unsigned long long) (finished + delay - now), (unsigned long long) failures);
                return;
        }
        if (dry) {
                act(ctx, out, name, "restart", "would restart (policy %s, exit %llu)", policy, (unsigned long long) code);
                return;
        }
        record_setf(rec, "restart_count", "%llu", (unsigned long long) count + 1);
        record_setf(rec, "restart_failures", "%llu", (unsigned long long) failures + 1);
        int r = container_start_locked(ctx, rec, 0, NULL);
        if (r < 0) {
                struct error e;
                ctx_error_take(ctx, &e);
                act(ctx, out, name, "restart-failed", "%s", e.msg);
                container_save(ctx, rec);
        } else
                act(ctx, out, name, "restart", "restarted (policy %s, exit was %llu, restart %llu)", policy,
                    (unsigned long long) code, (unsigned long long) count + 1);
}

static void check_container(bl_ctx *ctx, bl_record *rec, bool dry, bl_record_list *out)
{
        const char *name = bl_record_get(rec, "name");
        const char *state = bl_record_get(rec, "state");
        if (state && strcmp(state, "creating") == 0) {
                if (pid_alive(rec))
                        return;
                if (container_disk_busy(ctx, name)) {
                        act(ctx, out, name, "keep-in-use", "its creator died, but a loop device still reads its disk; left as it is");
                        return;
                }
                act(ctx, out, name, "undo-create", "its creator died; removing the half-made container");
                if (!dry) {
                        _cleanup_free_ char *dir = container_dir(ctx, name);
                        manifest_remove(ctx, KIND_CONTAINERS, name);
                        if (dir)
                                rm_rf(dir);
                }
                return;
        }
        if (state && strcmp(state, "starting") == 0) {
                uint64_t starter;
                if (record_get_u64(rec, "starter_pid", &starter) == 0 && kill((pid_t) starter, 0) == 0)
                        return; /* its start is under way */
                act(ctx, out, name, "undo-start", "its starter died before the start completed");
                if (dry)
                        return;
                uint64_t pid, st;
                int pidfd;
                if (record_get_u64(rec, "pid", &pid) == 0 && record_get_u64(rec, "pid_starttime", &st) == 0 &&
                    proc_open_verified((pid_t) pid, st, &pidfd) == 0) {
                        syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
                        struct pollfd p = { .fd = pidfd, .events = POLLIN };
                        poll(&p, 1, 5000);
                        close(pidfd);
                }
                container_finalize(ctx, rec, NULL);
                return;
        }
        live_state live = container_liveness(rec);
        if (state && strcmp(state, "running") == 0 && live == LIVE_DEAD) {
                if (dry)
                        act(ctx, out, name, "mark-exited", "its init is gone");
                else if (container_finalize(ctx, rec, NULL) < 0) {
                        struct error e;
                        ctx_error_take(ctx, &e);
                        act(ctx, out, name, "mark-exited-failed", "its init is gone, but %s", e.msg);
                        return;
                } else {
                        const char *oom = bl_record_get(rec, "oom_killed");
                        act(ctx, out, name, "mark-exited", "exit code %s%s", bl_record_get(rec, "exit_code"),
                            oom ? " (killed by the OOM killer)" : "");
                }
        } else if (live != LIVE_RUNNING && !dry) {
                bool changed = false;
                container_finalize(ctx, rec, &changed);
                if (changed)
                        act(ctx, out, name, "cleanup", "removed the leftovers of a stopped container");
        }
        const char *rm = bl_record_get(rec, "auto_remove");
        state = bl_record_get(rec, "state");
        if (rm && strcmp(rm, "yes") == 0 && state && strcmp(state, "exited") == 0) {
                if (container_disk_busy(ctx, name)) {
                        act(ctx, out, name, "keep-in-use", "ended, but a loop device still reads its disk; not removed");
                        return;
                }
                act(ctx, out, name, "remove", "ended; created with --rm");
                if (!dry) {
                        _cleanup_free_ char *dir = container_dir(ctx, name);
                        manifest_remove(ctx, KIND_CONTAINERS, name);
                        if (dir)
                                rm_rf(dir);
                        if (network_count(rec))
                                hosts_refresh(ctx);
                }
                return;
        }
        restart_policy(ctx, rec, dry, out);
}

/* Which manifest an entry of a store folder belongs to, or false when
 * the entry is not one of baleine's names. */
typedef bool (*owner_fn)(const char *entry, char *owner, size_t n);

static bool owner_img_file(const char *entry, char *owner, size_t n)
{
        size_t len = strlen(entry);
        return len > 4 && len - 4 < n && strcmp(entry + len - 4, ".img") == 0 && snprintf(owner, n, "%.*s", (int) (len - 4), entry) > 0;
}

/* tmp/image-NAME.XXXXXX (mkdtemp) and tmp/image-NAME.img.partial: NAME may
 * itself hold dots, so the owner is what remains once the known tail is
 * taken off the right, never what precedes the first dot. */
static bool owner_staging(const char *entry, char *owner, size_t n)
{
        if (!startswith(entry, "image-"))
                return false;
        const char *name = entry + 6;
        size_t len = strlen(name);
        static const char partial[] = ".img.partial";
        if (len > sizeof(partial) - 1 && strcmp(name + len - (sizeof(partial) - 1), partial) == 0)
                len -= sizeof(partial) - 1;
        else if (len > 7 && name[len - 7] == '.')
                len -= 7;
        else
                return false;
        return len < n && snprintf(owner, n, "%.*s", (int) len, name) > 0;
}

/* Removes what a folder of the store holds that no manifest of `kind` owns:
 * what a crash between two steps can leave. */
static void sweep(bl_ctx *ctx, bool dry, bl_record_list *out, const char *folder, const char *kind, owner_fn owner,
                  const char *detail)
{
        _cleanup_free_ char *dir = store_path(ctx, "%s", folder);
        DIR *d = dir ? opendir(dir) : NULL;
        struct dirent *de;
        while (d && (de = readdir(d))) {
                char name[128];
                if (de->d_name[0] == '.' || !owner(de->d_name, name, sizeof(name)) ||
                    bl_name_check(ctx, kind_noun(kind), name) < 0) {
                        ctx_begin_call(ctx);
                        continue;
                }
                if (manifest_exists(ctx, kind, name))
                        continue;
                act(ctx, out, de->d_name, "remove-orphan", "%s", detail);
                if (!dry) {
                        _cleanup_free_ char *p = store_path(ctx, "%s/%s", folder, de->d_name);
                        if (p)
                                rm_rf(p);
                }
        }
        if (d)
                closedir(d);
}

/* What of the kernel still uses a container's folder: a loop device reading
 * a file in it (even deleted), a mount beneath it, its populated cgroup, the
 * live init its copy records.  NULL when nothing does. */
static const char *folder_user(bl_ctx *ctx, const char *name, const bl_record *copy)
{
        char cg[CGNAME_MAX];
        _cleanup_record_ bl_record *named = record_new();
        if (!named)
                return "out of memory";
        record_set(named, "name", name);
        container_cgroup(ctx, copy ? copy : named, cg);
        _cleanup_free_ char *dir = container_dir(ctx, name);
        _cleanup_strv_ char **mounts = NULL;
        struct cg_host h;
        if (!dir || disk_loop_backs(dir, NULL))
                return "a loop device reads its disk";
        if (disk_mounts_under(ctx, dir, &mounts) < 0 || (mounts && mounts[0]))
                return "something is mounted in it";
        if (cgroup_host(ctx, &h) < 0 || cgroup_populated(&h, cg))
                return "its cgroup holds processes";
        if (copy && container_liveness(copy) == LIVE_RUNNING)
                return "the init its copy records lives";
        ctx_begin_call(ctx);
        return NULL;
}

/* Container folders and manifests that do not match: a corrupt manifest is
 * restored from the folder's copy; a folder without a manifest is removed
 * only when nothing of the kernel uses it, else the store is rebuilt from
 * its copy or, without one, it is kept and reported. */
static void check_container_folders(bl_ctx *ctx, bool dry, bl_record_list *out)
{
        _cleanup_strv_ char **names = NULL;
        if (container_names(ctx, &names) < 0) {
                ctx_begin_call(ctx);
                return;
        }
        for (char **p = names; p && *p; p++) {
                const char *name = *p;
                _cleanup_record_ bl_record *rec = NULL;
                bool from_copy = false;
                int r = container_load_any(ctx, name, &rec, &from_copy);
                bool has_manifest = manifest_exists(ctx, KIND_CONTAINERS, name);
                ctx_begin_call(ctx);
                if (r == 0 && !from_copy)
                        continue; /* the manifest is fine */
                if (has_manifest) {
                        if (r < 0) {
                                act(ctx, out, name, "corrupt-manifest", "unreadable and no copy to restore it from; its addresses stay reserved");
                                continue;
                        }
                        act(ctx, out, name, "restore-manifest", "the manifest was corrupt; restored from the folder's copy");
                        if (!dry)
                                container_save(ctx, rec);
                        continue;
                }
                _cleanup_free_ char *dir = container_dir(ctx, name);
                if (!dir || !path_exists(dir))
                        continue;
                const char *user = folder_user(ctx, name, r == 0 ? rec : NULL);
                if (!user) {
                        act(ctx, out, name, "remove-orphan", "a container folder without a manifest");
                        if (!dry)
                                rm_rf(dir);
                } else if (r == 0) {
                        act(ctx, out, name, "rebuild-manifest", "no manifest, but %s: restored from the folder's copy", user);
                        if (!dry)
                                container_save(ctx, rec);
                } else
                        act(ctx, out, name, "keep-in-use", "no manifest and no copy, but %s: kept, never deleted", user);
        }
}

/* The temp files of atomic writes ("FILE.tmp.PID") whose writer is dead:
 * provably no one's any more. */
static void sweep_temps(bl_ctx *ctx, bool dry, bl_record_list *out, const char *folder)
{
        _cleanup_free_ char *dir = store_path(ctx, "%s", folder);
        DIR *d = dir ? opendir(dir) : NULL;
        struct dirent *de;
        while (d && (de = readdir(d))) {
                const char *t = strstr(de->d_name, ".tmp.");
                char *end;
                if (!t || t == de->d_name)
                        continue;
                long pid = strtol(t + 5, &end, 10);
                if (*end || pid <= 0 || end == t + 5 || kill((pid_t) pid, 0) == 0 || errno != ESRCH)
                        continue;
                act(ctx, out, de->d_name, "remove-temp", "a temp file of %s whose writer (pid %ld) is gone", folder, pid);
                if (!dry)
                        unlinkat(dirfd(d), de->d_name, 0);
        }
        if (d)
                closedir(d);
}

static void check_orphans(bl_ctx *ctx, bool dry, bl_record_list *out)
{
        static const char *const manifests[] = { "manifeste/" KIND_CONTAINERS, "manifeste/" KIND_IMAGES, "manifeste/" KIND_BRIDGES };
        for (size_t i = 0; i < ARRAY_SIZE(manifests); i++)
                sweep_temps(ctx, dry, out, manifests[i]);
        _cleanup_strv_ char **names = NULL;
        if (container_names(ctx, &names) == 0)
                for (char **n = names; n && *n; n++) {
                        _cleanup_free_ char *f = strdup_printf("containers/%s", *n);
                        if (f)
                                sweep_temps(ctx, dry, out, f);
                }
        ctx_begin_call(ctx);
        check_container_folders(ctx, dry, out);
        _cleanup_record_list_ bl_record_list *images = NULL;
        if (manifest_list(ctx, KIND_IMAGES, &images) == 0)
                for (size_t i = 0; i < images->n; i++) {
                        const char *state = bl_record_get(images->items[i], "state");
                        const char *name = bl_record_get(images->items[i], "name");
                        if (!state || strcmp(state, "creating") != 0 || pid_alive(images->items[i]))
                                continue;
                        act(ctx, out, name, "undo-image-create", "its creator died; removing the half-made image");
                        if (!dry)
                                manifest_remove(ctx, KIND_IMAGES, name);
                }
        sweep(ctx, dry, out, "images", KIND_IMAGES, owner_img_file, "an image file without a manifest");
        /* staging folders and partial files of creators that died */
        sweep(ctx, dry, out, "tmp", KIND_IMAGES, owner_staging, "a staging leftover");
}

/* Bridges, both ways: a creation or removal a crash interrupted is undone or
 * completed; a bridge deleted by hand is made again when running
 * containers use it, and their veths are attached to it again. */
static void check_bridges(bl_ctx *ctx, bool dry, bl_record_list *out, const bl_record_list *containers)
{
        _cleanup_record_list_ bl_record_list *bridges = NULL;
        if (manifest_list(ctx, KIND_BRIDGES, &bridges) < 0) {
                ctx_begin_call(ctx);
                return;
        }
        for (size_t i = 0; i < bridges->n; i++) {
                const bl_record *b = bridges->items[i];
                const char *name = bl_record_get(b, "name"), *state = bl_record_get(b, "state");
                bool is_bridge = false;
                bool present = net_link_query(ctx, name, NULL, NULL, &is_bridge) == 1 && is_bridge;
                if (state && strcmp(state, "creating") == 0) {
                        if (pid_alive(b))
                                continue;
                        act(ctx, out, name, "undo-bridge-create", "its creator died; removing the half-made bridge");
                        if (!dry)
                                bridge_finish_remove(ctx, name);
                } else if (state && strcmp(state, "removing") == 0) {
                        act(ctx, out, name, "finish-bridge-remove", "its remover died; completing the removal");
                        if (!dry)
                                bridge_finish_remove(ctx, name);
                } else if (!present) {
                        size_t users = 0;
                        for (size_t c = 0; c < containers->n; c++) {
                                const char *cs = bl_record_get(containers->items[c], "state");
                                for (size_t k = 0; cs && strcmp(cs, "running") == 0 && k < network_count(containers->items[c]); k++) {
                                        _cleanup_free_ char *br = NULL;
                                        uint32_t a;
                                        int p;
                                        if (network_parse(containers->items[c], k, &br, &a, &p, NULL) == 0 && strcmp(br, name) == 0)
                                                users++;
                                }
                        }
                        if (!users)
                                continue; /* made again by the next start that needs it */
                        act(ctx, out, name, "recreate-bridge", "missing from the kernel while %zu running container interface%s use it", users,
                            users == 1 ? "" : "s");
                        if (!dry && bridge_ensure(ctx, name, NULL, NULL) < 0) {
                                struct error e;
                                ctx_error_take(ctx, &e);
                                act(ctx, out, name, "recreate-bridge-failed", "%s", e.msg);
                        }
                }
        }
        /* veths of running containers left without their bridge */
        for (size_t c = 0; !dry && c < containers->n; c++) {
                const bl_record *rec = containers->items[c];
                const char *cs = bl_record_get(rec, "state");
                if (!cs || strcmp(cs, "running") != 0 || container_liveness(rec) != LIVE_RUNNING)
                        continue;
                for (size_t k = 0; k < network_count(rec); k++) {
                        _cleanup_free_ char *br = NULL, *hostif = NULL;
                        uint32_t a;
                        int p;
                        bool changed = false, is_bridge = false;
                        if (network_parse(rec, k, &br, &a, &p, &hostif) < 0 || net_link_query(ctx, br, NULL, NULL, &is_bridge) != 1 ||
                            !is_bridge)
                                continue;
                        if (net_link_attach(ctx, hostif, br, &changed) < 0) {
                                struct error e;
                                ctx_error_take(ctx, &e);
                                act(ctx, out, bl_record_get(rec, "name"), "reattach-failed", "%s", e.msg);
                        } else if (changed)
                                act(ctx, out, bl_record_get(rec, "name"), "reattach-veth", "%s attached again to bridge %s", hostif, br);
                }
        }
        ctx_begin_call(ctx);
}

/* baleine mounts container disks only inside their own mount namespaces:
 * a mount under the state root in the host's table was left by something
 * that died (an interrupted export, a hand-made debugging mount…). */
static void check_host_mounts(bl_ctx *ctx, bool dry, bl_record_list *out)
{
        /* only where baleine itself mounts: a state root or an images folder
         * on a filesystem of its own is the administrator's */
        static const char *const places[] = { "containers", "tmp" };
        for (size_t i = 0; i < ARRAY_SIZE(places); i++) {
                _cleanup_free_ char *dir = store_path(ctx, "%s", places[i]);
                _cleanup_strv_ char **targets = NULL;
                if (!dir || disk_mounts_under(ctx, dir, &targets) < 0) {
                        ctx_begin_call(ctx);
                        continue;
                }
                for (char **t = targets; t && *t; t++) {
                        act(ctx, out, *t, "detach-mount", "a mount of baleine's in the host's namespace");
                        if (!dry)
                                disk_detach(ctx, *t);
                }
        }
}

static void append_log(bl_ctx *ctx, const bl_record_list *out)
{
        _cleanup_free_ char *path = store_path(ctx, "check.log"), *old = store_path(ctx, "check.log.1");
        if (!path || !old)
                return;
        struct stat st;
        if (stat(path, &st) == 0 && (uint64_t) st.st_size > CHECK_LOG_MAX)
                rename(path, old);
        FILE *f = fopen(path, "ae");
        if (!f)
                return;
        char ts[32];
        time_t now = time(NULL);
        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", localtime(&now));
        for (size_t i = 0; i < out->n; i++)
                fprintf(f, "%s %s %s: %s\n", ts, bl_record_get(out->items[i], "container"),
                        bl_record_get(out->items[i], "action"), bl_record_get(out->items[i], "detail"));
        fprintf(f, "%s check: %zu action%s\n", ts, out->n, out->n == 1 ? "" : "s");
        fclose(f);
}

BL_EXPORT int bl_check_run(bl_ctx *ctx, unsigned flags, bl_record_list **ret)
{
        ctx_begin_call(ctx);
        bool dry = flags & BL_CHECK_DRY_RUN;
        _cleanup_unlock_ int lock = -1;
        _cleanup_record_list_ bl_record_list *list = NULL, *out = record_list_new();
        int r;
        if (!out)
                return -ENOMEM;
        if ((r = store_lock(ctx, &lock)) < 0 || (r = manifest_list(ctx, KIND_CONTAINERS, &list)) < 0)
                return r;
        for (size_t i = 0; i < list->n; i++)
                check_container(ctx, list->items[i], dry, out);
        check_bridges(ctx, dry, out, list);
        check_host_mounts(ctx, dry, out);
        check_orphans(ctx, dry, out);
        ctx_begin_call(ctx);
        if (!dry)
                append_log(ctx, out);
        if (ret)
                *ret = steal_ptr(&out);
        return 0;
}
