/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check's sweep of tmp/: what operations a crash interrupted left there.
 * Each work folder holds the record of its owner, and each partial file
 * outside the state root (an export's DEST.partial) has one in tmp/
 * (core/owner.h): what a live owner holds is never touched, whatever it
 * is named; what a dead owner left goes; a thing without a readable
 * record goes only once it is older than the grace period, far more than
 * its maker needs between making it and writing the record.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "core/owner.h"
#include "disk/disk.h"
#include "store/store.h"
#include "sweep.h"

#define GRACE_SECONDS (10 * 60)

static long age_minutes(const struct stat *st)
{
        return (long) (time(NULL) - st->st_mtime) / 60;
}

static bool past_grace(const struct stat *st)
{
        return time(NULL) - st->st_mtime > GRACE_SECONDS;
}

static void sweep_folder(bl_ctx *ctx, bool dry, bl_record_list *out, check_act_fn act, int dfd, const char *entry)
{
        _cleanup_close_ int fd = openat(dfd, entry, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        struct owner o;
        if (fd < 0 || fstat(fd, &st) < 0)
                return;
        int r = owner_read_at(fd, OWNER_FILE, &o);
        owner_done(&o);
        if (r == 1 || (r < 0 && !past_grace(&st)))
                return;
        _cleanup_free_ char *path = store_path(ctx, "tmp/%s", entry);
        _cleanup_strv_ char **mounts = NULL;
        if (!path || disk_mounts_under(ctx, path, &mounts) < 0 || (mounts && mounts[0])) {
                act(ctx, out, entry, "keep-in-use", "a work folder something is mounted in (or the mount table is unreadable): kept");
                ctx_error_take(ctx, NULL);
                return;
        }
        if (r == 0)
                act(ctx, out, entry, "remove-orphan", "the work folder of %s \"%s\", whose owner (pid %d) is gone", o.kind, o.name,
                    (int) o.pid);
        else
                act(ctx, out, entry, "remove-orphan", "a work folder without a readable owner record, %ld minutes old", age_minutes(&st));
        if (!dry)
                rm_rf(path);
}

/* Whether the partial file a dead owner's record names is the very one it
 * made: by its inode, or (killed before the record had it) still empty. */
static bool partial_is_owners(const struct owner *o)
{
        struct stat st;
        size_t len = o->path ? strlen(o->path) : 0;
        if (len < 9 || o->path[0] != '/' || strcmp(o->path + len - 8, ".partial") != 0 || lstat(o->path, &st) < 0 ||
            !S_ISREG(st.st_mode))
                return false;
        return o->has_id ? st.st_dev == o->dev && st.st_ino == o->ino : st.st_size == 0;
}

static void sweep_partial(bl_ctx *ctx, bool dry, bl_record_list *out, check_act_fn act, int dfd, const char *entry)
{
        struct owner o;
        struct stat st;
        int r = owner_read_at(dfd, entry, &o);
        if (r == 1 || fstatat(dfd, entry, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) || (r < 0 && !past_grace(&st))) {
                owner_done(&o);
                return;
        }
        if (r == 0 && partial_is_owners(&o)) {
                act(ctx, out, o.path, "remove-partial", "the partial file of an %s of image \"%s\", whose writer (pid %d) is gone", o.kind,
                    o.name, (int) o.pid);
                if (!dry)
                        unlink(o.path);
        }
        if (r == 0)
                act(ctx, out, entry, "remove-temp", "the record of a partial file, whose writer (pid %d) is gone", (int) o.pid);
        else
                act(ctx, out, entry, "remove-temp", "an unreadable record of a partial file, %ld minutes old", age_minutes(&st));
        if (!dry)
                unlinkat(dfd, entry, 0);
        owner_done(&o);
}

void sweep_tmp(bl_ctx *ctx, bool dry, bl_record_list *out, check_act_fn act)
{
        _cleanup_free_ char *dir = store_path(ctx, "tmp");
        DIR *d = dir ? opendir(dir) : NULL;
        struct dirent *de;
        while (d && (de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                struct stat st;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (S_ISDIR(st.st_mode))
                        sweep_folder(ctx, dry, out, act, dirfd(d), de->d_name);
                else if (S_ISREG(st.st_mode) && startswith(de->d_name, "partial-"))
                        sweep_partial(ctx, dry, out, act, dirfd(d), de->d_name);
        }
        if (d)
                closedir(d);
        ctx_error_take(ctx, NULL);
}
