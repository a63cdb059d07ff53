/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host's mount table, read with libmount. */
#include <libmount/libmount.h>
#include <sys/mount.h>

#include "disk.h"

int disk_mounts_under(bl_ctx *ctx, const char *prefix, char ***ret)
{
        struct libmnt_table *tb = mnt_new_table();
        struct libmnt_iter *it = mnt_new_iter(MNT_ITER_BACKWARD);
        char **v = NULL;
        int r = 0;
        if (!tb || !it) {
                r = -ENOMEM;
                goto out;
        }
        if ((r = mnt_table_parse_file(tb, "/proc/self/mountinfo")) < 0) {
                r = ctx_fail(ctx, r, "mount table: cannot read /proc/self/mountinfo: %s", strerror(-r));
                goto out;
        }
        size_t n = strlen(prefix);
        struct libmnt_fs *fs;
        /* backwards: the deepest mounts first, as they must be detached */
        while (mnt_table_next_fs(tb, it, &fs) == 0) {
                const char *t = mnt_fs_get_target(fs);
                if (t && strncmp(t, prefix, n) == 0 && t[n] == '/' && (r = strv_push(&v, t)) < 0)
                        break;
        }
out:
        mnt_free_iter(it);
        mnt_unref_table(tb);
        if (r < 0) {
                strv_freep(&v);
                return r;
        }
        *ret = v;
        return 0;
}

int disk_detach(bl_ctx *ctx, const char *target)
{
        if (umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
                return ctx_fail(ctx, errno, "mount %s: cannot detach: %m", target);
        return 0;
}
