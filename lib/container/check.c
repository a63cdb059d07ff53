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
#include "image/image.h"
#include "runtime/runtime.h"
#include "check.h"
#include "sweep.h"

#define CHECK_LOG_MAX (1u << 20)

int check_act(bl_ctx *ctx, bl_record_list *out, const char *object, const char *action, const char *fmt, ...)
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

static void remove_container_files(bl_ctx *ctx, const char *name)
{
        _cleanup_free_ char *dir = container_dir(ctx, name);
        manifest_remove(ctx, KIND_CONTAINERS, name);
        if (dir)
                rm_rf(dir);
}

/* A start whose starter died: its init killed, the run finalized. */
static void undo_start(bl_ctx *ctx, struct container_model *m)
{
        int pidfd;
        if (m->run.pid && proc_open_verified((pid_t) m->run.pid, m->run.starttime, &pidfd) == 0) {
                syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
                struct pollfd p = { .fd = pidfd, .events = POLLIN };
                poll(&p, 1, 5000);
                close(pidfd);
        }
        container_finalize(ctx, m, NULL);
}

/* An operation a crash interrupted (create, start); whether it was one. */
static bool check_interrupted(bl_ctx *ctx, struct container_model *m, bool dry, bl_record_list *out)
{
        const char *name = m->name;
        if (m->state == CSTATE_CREATING) {
                if (pid_alive(m->creator_pid))
                        return true;
                if (container_disk_busy(ctx, name)) {
                        act(ctx, out, name, "keep-in-use", "its creator died, but a loop device still reads its disk; left as it is");
                        return true;
                }
                act(ctx, out, name, "undo-create", "its creator died; removing the half-made container");
                if (!dry)
                        remove_container_files(ctx, name);
                return true;
        }
        if (m->state == CSTATE_STARTING) {
                if (pid_alive(m->starter_pid))
                        return true; /* its start is under way */
                act(ctx, out, name, "undo-start", "its starter died before the start completed");
                if (!dry)
                        undo_start(ctx, m);
                return true;
        }
        return false;
}

static void check_container(bl_ctx *ctx, struct container_model *m, bool dry, bl_record_list *out)
{
        const char *name = m->name;
        if (check_interrupted(ctx, m, dry, out))
                return;
        live_state live = container_liveness(m);
        if (m->state == CSTATE_RUNNING && live == LIVE_DEAD) {
                if (dry)
                        act(ctx, out, name, "mark-exited", "its init is gone");
                else if (container_finalize(ctx, m, NULL) < 0) {
                        struct error e;
                        ctx_error_take(ctx, &e);
                        act(ctx, out, name, "mark-exited-failed", "its init is gone, but %s", e.msg);
                        return;
                } else
                        act(ctx, out, name, "mark-exited", "exit code %d%s", m->exit_code, m->oom_killed ? " (killed by the OOM killer)" : "");
        } else if (live != LIVE_RUNNING && !dry) {
                bool changed = false;
                container_finalize(ctx, m, &changed);
                if (changed)
                        act(ctx, out, name, "cleanup", "removed the leftovers of a stopped container");
        }
        if (m->auto_remove && m->state == CSTATE_EXITED) {
                if (container_disk_busy(ctx, name)) {
                        act(ctx, out, name, "keep-in-use", "ended, but a loop device still reads its disk; not removed");
                        return;
                }
                act(ctx, out, name, "remove", "ended; created with --rm");
                if (!dry) {
                        remove_container_files(ctx, name);
                        if (m->nnets)
                                hosts_refresh(ctx);
                }
                return;
        }
        restart_policy(ctx, m, dry, out);
}

/* Which manifest an entry of a store folder belongs to, or false when
 * the entry is not one of baleine's names. */
typedef bool (*owner_fn)(const char *entry, char *owner, size_t n);

static bool owner_img_file(const char *entry, char *owner, size_t n)
{
        size_t len = strlen(entry);
        return len > 4 && len - 4 < n && strcmp(entry + len - 4, ".img") == 0 && snprintf(owner, n, "%.*s", (int) (len - 4), entry) > 0;
}

/* tmp/image-NAME.img.partial: the image file being made, the image's
 * until its manifest goes (its work folders: sweep.c, by their owner). */
static bool owner_staging(const char *entry, char *owner, size_t n)
{
        static const char partial[] = ".img.partial";
        size_t len = strlen(entry);
        if (!startswith(entry, "image-") || len <= 6 + sizeof(partial) - 1 || strcmp(entry + len - (sizeof(partial) - 1), partial) != 0)
                return false;
        len -= 6 + sizeof(partial) - 1;
        return len < n && snprintf(owner, n, "%.*s", (int) len, entry + 6) > 0;
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
                        ctx_error_take(ctx, NULL); /* a tolerated failure: dropped */
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
static const char *folder_user(bl_ctx *ctx, const char *name, const struct container_model *copy)
{
        char cg[CGNAME_MAX];
        const struct container_model named = { .name = (char *) name };
        container_cgroup(ctx, copy ? copy : &named, cg);
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
        ctx_error_take(ctx, NULL); /* the probes' failures: tolerated */
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
                ctx_error_take(ctx, NULL);
                return;
        }
        for (char **p = names; p && *p; p++) {
                const char *name = *p;
                _cleanup_model_ struct container_model m = { 0 };
                bool from_copy = false;
                int r = container_load_any(ctx, name, &m, &from_copy);
                bool has_manifest = manifest_exists(ctx, KIND_CONTAINERS, name);
                ctx_error_take(ctx, NULL);
                if (r == 0 && !from_copy)
                        continue; /* the manifest is fine */
                if (has_manifest) {
                        if (r < 0) {
                                act(ctx, out, name, "corrupt-manifest", "unreadable and no copy to restore it from; its addresses stay reserved");
                                continue;
                        }
                        act(ctx, out, name, "restore-manifest", "the manifest was corrupt; restored from the folder's copy");
                        if (!dry)
                                container_save(ctx, &m);
                        continue;
                }
                _cleanup_free_ char *dir = container_dir(ctx, name);
                if (!dir || !path_exists(dir))
                        continue;
                const char *user = folder_user(ctx, name, r == 0 ? &m : NULL);
                if (!user) {
                        act(ctx, out, name, "remove-orphan", "a container folder without a manifest");
                        if (!dry)
                                rm_rf(dir);
                } else if (r == 0) {
                        act(ctx, out, name, "rebuild-manifest", "no manifest, but %s: restored from the folder's copy", user);
                        if (!dry)
                                container_save(ctx, &m);
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
        ctx_error_take(ctx, NULL);
        check_container_folders(ctx, dry, out);
        _cleanup_strv_ char **abandoned = NULL;
        if (image_abandoned(ctx, &abandoned) == 0)
                for (char **name = abandoned; name && *name; name++) {
                        act(ctx, out, *name, "undo-image-create", "its creator died; removing the half-made image");
                        if (!dry)
                                manifest_remove(ctx, KIND_IMAGES, *name);
                }
        ctx_error_take(ctx, NULL);
        sweep(ctx, dry, out, "images", KIND_IMAGES, owner_img_file, "an image file without a manifest");
        /* partial image files of creators that died; work folders and partial exports */
        sweep(ctx, dry, out, "tmp", KIND_IMAGES, owner_staging, "a partial image file without a manifest");
        sweep_tmp(ctx, dry, out, act);
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
                        ctx_error_take(ctx, NULL);
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

static int check_run_call(bl_ctx *ctx, unsigned flags, bl_record_list **ret)
{
        bool dry = flags & BL_CHECK_DRY_RUN;
        _cleanup_unlock_ int lock = -1;
        _cleanup_record_list_ bl_record_list *out = record_list_new();
        _cleanup_models_ struct container_models list = { 0 };
        int r;
        if (!out)
                return -ENOMEM;
        if ((r = store_lock(ctx, &lock)) < 0 || (r = container_models_load(ctx, &list)) < 0)
                return r;
        for (size_t i = 0; i < list.n; i++)
                check_container(ctx, &list.items[i], dry, out);
        check_bridges(ctx, dry, out, &list);
        check_host_mounts(ctx, dry, out);
        check_orphans(ctx, dry, out);
        ctx_error_take(ctx, NULL); /* what check tolerated is in its actions */
        if (!dry)
                append_log(ctx, out);
        if (ret)
                *ret = steal_ptr(&out);
        return 0;
}

BL_EXPORT int bl_check_run(bl_ctx *ctx, unsigned flags, bl_record_list **ret)
{
        ctx_begin_call(ctx);
        return ctx_end_call(ctx, check_run_call(ctx, flags, ret), "state root \"%s\": check", ctx->root);
}
