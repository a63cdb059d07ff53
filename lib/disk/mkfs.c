/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <blkid/blkid.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "disk.h"

int mkfs_ext4(bl_ctx *ctx, const char *path, uint64_t size, const char *staging, const char *label)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
                return bl_err(ctx, errno, "image file %s: %m", path);
        if (ftruncate(fd, (off_t) size) < 0) {
                int e = errno;
                unlink(path);
                return bl_err(ctx, e, "image file %s: cannot size it to %" PRIu64 " bytes: %s", path, size, strerror(e));
        }
        char *argv[] = {
                (char *) "mke2fs", (char *) "-q", (char *) "-F", (char *) "-t", (char *) "ext4",
                (char *) "-L", (char *) label,
                /* no discard: the file is sparse already; lazy tables: fast */
                (char *) "-E", (char *) "nodiscard,lazy_itable_init=1,lazy_journal_init=1,root_owner=0:0",
                (char *) "-d", (char *) staging, (char *) path, NULL,
        };
        int r = bl_run(ctx, "mke2fs", argv, -1, NULL);
        if (r < 0) {
                unlink(path);
                return r;
        }
        if (fsync(fd) < 0)
                return bl_err(ctx, errno, "image file %s: fsync: %m", path);
        return 0;
}

int disk_probe_fstype(bl_ctx *ctx, const char *path, char **ret_type)
{
        blkid_probe pr = blkid_new_probe_from_filename(path);
        if (!pr)
                return bl_err(ctx, errno ? errno : EIO, "disk %s: cannot probe: %m", path);
        blkid_probe_enable_superblocks(pr, 1);
        blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
        /* only the types a container may boot from: probing every known
         * filesystem reads far more of the file on each start */
        char *types[] = { (char *) "ext4", (char *) "ext3", (char *) "ext2", (char *) "jbd", NULL };
        blkid_probe_filter_superblocks_type(pr, BLKID_FLTR_ONLYIN, types);
        int r = blkid_do_safeprobe(pr);
        const char *type = NULL;
        if (r == 0)
                blkid_probe_lookup_value(pr, "TYPE", &type, NULL);
        char *t = type ? strdup(type) : NULL;
        blkid_free_probe(pr);
        if (!t)
                return bl_err(ctx, EMEDIUMTYPE, "disk %s: no filesystem found", path);
        *ret_type = t;
        return 0;
}
