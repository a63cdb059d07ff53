/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <sys/stat.h>
#include <time.h>

#include "disk/disk.h"
#include "image.h"
#include "store/store.h"

static const char *const source_names[] = {
        [BL_IMAGE_SOURCE_BUSYBOX] = "busybox",
        [BL_IMAGE_SOURCE_DIR] = "directory",
        [BL_IMAGE_SOURCE_TAR] = "tarball",
        [BL_IMAGE_SOURCE_DEBOOTSTRAP] = "debootstrap",
        [BL_IMAGE_SOURCE_EMPTY] = "empty",
};

char *image_file(bl_ctx *ctx, const char *name)
{
        return store_path(ctx, "images/%s.img", name);
}

static int fill_staging(bl_ctx *ctx, const char *dir, const bl_image_config *cfg)
{
        int r = 0;
        switch (cfg->source) {
        case BL_IMAGE_SOURCE_BUSYBOX:
                r = staging_busybox(ctx, dir);
                break;
        case BL_IMAGE_SOURCE_DIR:
                r = staging_from_dir(ctx, dir, cfg->source_arg);
                break;
        case BL_IMAGE_SOURCE_TAR:
                r = staging_from_tar(ctx, dir, cfg->source_arg);
                break;
        case BL_IMAGE_SOURCE_DEBOOTSTRAP:
                r = staging_debootstrap(ctx, dir, cfg->source_arg, cfg->deb_include, cfg->deb_mirror);
                break;
        default:
                break;
        }
        if (r < 0)
                return r;
        if ((r = staging_skeleton(ctx, dir)) < 0)
                return r;
        for (char **p = cfg->programs; p && *p; p++)
                if ((r = staging_add_program(ctx, dir, *p)) < 0)
                        return r;
        for (char **p = cfg->copies; p && *p; p++) {
                _cleanup_free_ char *pair = strdup(*p);
                if (!pair)
                        return -ENOMEM;
                char *nl = strchr(pair, '\n');
                *nl = 0;
                if ((r = staging_add_copy(ctx, dir, pair, nl + 1)) < 0)
                        return r;
        }
        return 0;
}

/* Room for the content, ext4's metadata and the journal, plus slack for
 * the container to write in. */
static uint64_t auto_size(uint64_t used)
{
        uint64_t s = used + used / 2 + (64u << 20);
        return (s + (1u << 20) - 1) & ~(uint64_t) ((1u << 20) - 1);
}

static int reserve(bl_ctx *ctx, const char *name, const bl_image_config *cfg)
{
        _cleanup_unlock_ int lock = -1;
        int r = store_lock(ctx, &lock);
        if (r < 0)
                return r;
        if (manifest_exists(ctx, KIND_IMAGES, name))
                return bl_err(ctx, EEXIST, "image \"%s\": already exists", name);
        _cleanup_record_ bl_record *rec = record_new();
        if (!rec)
                return -ENOMEM;
        record_set(rec, "name", name);
        record_set(rec, "state", "creating");
        record_setf(rec, "creator_pid", "%d", (int) getpid());
        record_set(rec, "source", source_names[cfg->source]);
        return manifest_save(ctx, KIND_IMAGES, name, rec);
}

static void unreserve(bl_ctx *ctx, const char *name)
{
        _cleanup_unlock_ int lock = -1;
        if (store_lock(ctx, &lock) == 0)
                manifest_remove(ctx, KIND_IMAGES, name);
}

BL_EXPORT int bl_image_create(bl_ctx *ctx, const char *name, const bl_image_config *cfg)
{
        bl_clear(ctx);
        int r = bl_name_check(ctx, "image", name);
        if (r < 0)
                return r;
        if (!cfg)
                return bl_err(ctx, EINVAL, "image \"%s\": no configuration", name);
        if (cfg->size && cfg->size < (4u << 20))
                return bl_err(ctx, EINVAL, "image \"%s\": size %" PRIu64 " bytes is below the 4M an ext4 image needs", name, cfg->size);
        if ((r = store_init(ctx)) < 0)
                return r;
        if ((r = reserve(ctx, name, cfg)) < 0)
                return r;
        bl_fault("image-create-reserved");

        _cleanup_free_ char *staging = store_path(ctx, "tmp/image-%s.XXXXXX", name);
        _cleanup_free_ char *partial = store_path(ctx, "tmp/image-%s.img.partial", name);
        _cleanup_free_ char *final = image_file(ctx, name);
        if (!staging || !partial || !final) {
                r = -ENOMEM;
                goto fail;
        }
        if (!mkdtemp(staging)) {
                r = bl_err(ctx, errno, "image \"%s\": cannot make a staging folder: %m", name);
                goto fail;
        }
        chmod(staging, 0755);
        if ((r = fill_staging(ctx, staging, cfg)) < 0)
                goto fail;
        bl_fault("image-create-staged");

        uint64_t used = dir_usage(staging);
        uint64_t size = cfg->size ? cfg->size : auto_size(used);
        unlink(partial);
        r = mkfs_ext4(ctx, partial, size, staging, name);
        if (r < 0) {
                char need[32];
                bl_format_size(auto_size(used), need);
                if (cfg->size && strstr(ctx->errmsg, "mke2fs"))
                        r = bl_err_force(ctx, ENOSPC, "image \"%s\": the content does not fit in %" PRIu64 " bytes; it needs about %s", name, size, need);
                goto fail;
        }
        rm_rf(staging);
        bl_fault("image-create-formatted");
        if (rename(partial, final) < 0) {
                r = bl_err(ctx, errno, "image \"%s\": cannot move the image into place: %m", name);
                goto fail;
        }

        {
                _cleanup_unlock_ int lock = -1;
                _cleanup_record_ bl_record *rec = record_new();
                if ((r = store_lock(ctx, &lock)) < 0)
                        goto fail_final;
                if (!rec) {
                        r = -ENOMEM;
                        goto fail_final;
                }
                char created[32];
                snprintf(created, sizeof(created), "%lld", (long long) time(NULL));
                record_set(rec, "name", name);
                record_setf(rec, "size", "%" PRIu64, size);
                record_set(rec, "path", final);
                record_setf(rec, "used", "%" PRIu64, used);
                record_set(rec, "source", source_names[cfg->source]);
                if (cfg->source_arg)
                        record_set(rec, "source_arg", cfg->source_arg);
                record_set(rec, "created", created);
                if (cfg->cmd) {
                        _cleanup_free_ char *j = argv_to_json(cfg->cmd);
                        record_set(rec, "cmd", j);
                }
                record_set(rec, "state", "ready");
                if ((r = manifest_save(ctx, KIND_IMAGES, name, rec)) < 0)
                        goto fail_final;
        }
        bl_log(ctx, BL_LOG_INFO, "image \"%s\": created (%" PRIu64 " bytes)", name, size);
        return 0;

fail_final:
        unlink(final);
fail:
        if (staging && !strstr(staging, "XXXXXX"))
                rm_rf(staging);
        if (partial)
                unlink(partial);
        unreserve(ctx, name);
        return r < 0 ? r : -EIO;
}
