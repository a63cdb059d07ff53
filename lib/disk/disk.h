/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Image files: copies, loop devices, filesystem creation and probing. */
#pragma once

#include "core/core.h"

typedef enum copy_method {
        COPY_REFLINK,
        COPY_SPARSE,
        COPY_READWRITE,
} copy_method;

/* Copies src to a new file dst (which must not exist), by reflink, else
 * sparse-aware copy_file_range, else read/write; holes stay holes.  On
 * failure dst is removed.  Progress goes to the context's callback. */
int disk_copy(bl_ctx *ctx, const char *src, const char *dst, copy_method *ret_method);

/* Attaches `path` to a free loop device with autoclear (LOOP_CONFIGURE, or
 * LOOP_SET_FD + LOOP_SET_STATUS64 where missing).  Returns the open loop
 * device; its number in ret_nr.  While the fd is open the device stays; once
 * closed and unmounted the kernel frees it. */
int loop_attach(bl_ctx *ctx, const char *path, bool read_only, int *ret_fd, int *ret_nr);

/* Whether a loop device reads `path` or (for a folder) a file beneath it,
 * even one deleted since; its number in *ret_nr (may be NULL). */
bool disk_loop_backs(const char *path, int *ret_nr);

/* Creates an ext4 filesystem of `size` bytes in a new sparse file `path`,
 * populated from `staging`. */
int mkfs_ext4(bl_ctx *ctx, const char *path, uint64_t size, const char *staging, const char *label);

/* Whether an ext4 image's superblock records errors (the kernel sets the
 * flag when it hit one, e.g. a journal aborted on a full host disk). */
bool disk_ext4_has_errors(const char *path);
/* Runs e2fsck -p on an unmounted image; fails when errors remain. */
int disk_ext4_repair(bl_ctx *ctx, const char *path);
/* Free bytes for an unprivileged writer of the filesystem holding path. */
int disk_free_bytes(const char *path, uint64_t *ret);

/* The filesystem type of an image file ("ext4"), by libblkid. */
int disk_probe_fstype(bl_ctx *ctx, const char *path, char **ret_type);

/* mounts.c: targets of the host's mounts strictly below `prefix` (deepest
 * first), from /proc/self/mountinfo through libmount. */
int disk_mounts_under(bl_ctx *ctx, const char *prefix, char ***ret);
/* Detaches one (lazily: nothing in use is cut off). */
int disk_detach(bl_ctx *ctx, const char *target);
