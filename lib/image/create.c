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
                r = staging_from_tar(ctx, dir, cfg->source_arg, cfg->size);
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
uint64_t image_auto_size(uint64_t used)
{
        uint64_t s = used + used / 2 + (64u << 20);
        return (s + (1u << 20) - 1) & ~(uint64_t) ((1u << 20) - 1);
}

int image_reserve(bl_ctx *ctx, const char *name, const char *source)
{
        _cleanup_unlock_ int lock = -1;
        int r = store_lock(ctx, &lock);
        if (r < 0)
                return r;
        if (manifest_exists(ctx, KIND_IMAGES, name))
                return ctx_fail(ctx, EEXIST, "image \"%s\": already exists", name);
        _cleanup_record_ bl_record *rec = record_new();
        if (!rec)
                return -ENOMEM;
        record_set(rec, "name", name);
        record_set(rec, "state", "creating");
        record_setf(rec, "creator_pid", "%d", (int) getpid());
        record_set(rec, "source", source);
        return manifest_save(ctx, KIND_IMAGES, name, rec);
}

void image_unreserve(bl_ctx *ctx, const char *name)
{
        _cleanup_unlock_ int lock = -1;
        if (store_lock(ctx, &lock) == 0)
                manifest_remove(ctx, KIND_IMAGES, name);
}

int image_adopt_file(bl_ctx *ctx, const char *name, const char *partial, uint64_t used, const char *source,
                     const bl_record *config)
{
        _cleanup_free_ char *final = image_file(ctx, name);
        struct stat st;
        if (!final)
                return -ENOMEM;
        if (stat(partial, &st) < 0)
                return ctx_fail(ctx, errno, "image \"%s\": %s: %m", name, partial);
        int r;
        if (rename(partial, final) < 0) {
                r = ctx_fail(ctx, errno, "image \"%s\": cannot move the image into place: %m", name);
                unlink(partial);
                return r;
        }
        _cleanup_unlock_ int lock = -1;
        _cleanup_record_ bl_record *rec = record_new();
        if (!rec)
                r = -ENOMEM;
        else if ((r = store_lock(ctx, &lock)) == 0) {
                record_set(rec, "name", name);
                record_setf(rec, "size", "%llu", (unsigned long long) st.st_size);
                record_set(rec, "path", final);
                record_setf(rec, "used", "%" PRIu64, used);
                record_set(rec, "source", source);
                record_setf(rec, "created", "%lld", (long long) time(NULL));
                for (size_t i = 0; config && i < bl_record_count(config); i++)
                        record_set(rec, bl_record_key(config, i), bl_record_value(config, i));
                record_set(rec, "state", "ready");
                r = manifest_save(ctx, KIND_IMAGES, name, rec);
        }
        if (r < 0)
                unlink(final);
        else
                ctx_log(ctx, BL_LOG_INFO, "image \"%s\": created (%llu bytes)", name, (unsigned long long) st.st_size);
        return r;
}

int image_commit_staging(bl_ctx *ctx, const char *name, const char *staging, uint64_t size,
                         const char *source, const bl_record *config)
{
        _cleanup_free_ char *partial = store_path(ctx, "tmp/image-%s.img.partial", name);
        if (!partial)
                return -ENOMEM;
        uint64_t used = dir_usage(staging);
        uint64_t want = size ? size : image_auto_size(used);
        unlink(partial);
        int r = mkfs_ext4(ctx, partial, want, staging, name);
        if (r < 0) {
                char need[32];
                format_size(image_auto_size(used), need);
                if (size && strstr(ctx->errmsg, "mke2fs"))
                        r = ctx_fail_replace(ctx, ENOSPC, "image \"%s\": the content does not fit in %" PRIu64 " bytes; it needs about %s",
                                         name, size, need);
                return r;
        }
        fault_point("image-create-formatted");
        return image_adopt_file(ctx, name, partial, used, source, config);
}

BL_EXPORT int bl_image_create(bl_ctx *ctx, const char *name, const bl_image_config *cfg)
{
        ctx_begin_call(ctx);
        int r = bl_name_check(ctx, "image", name);
        if (r < 0)
                return r;
        if (!cfg)
                return ctx_fail(ctx, EINVAL, "image \"%s\": no configuration", name);
        if (cfg->size && cfg->size < (4u << 20))
                return ctx_fail(ctx, EINVAL, "image \"%s\": size %" PRIu64 " bytes is below the 4M an ext4 image needs", name, cfg->size);
        if ((r = store_init(ctx)) < 0)
                return r;
        if ((r = image_reserve(ctx, name, source_names[cfg->source])) < 0)
                return r;
        fault_point("image-create-reserved");

        /* the staging tree sits in a 0700 folder: what a source puts in it
         * (set-id files, device nodes) is out of other users' reach */
        _cleanup_free_ char *work = staging_folder(ctx, "image", name);
        _cleanup_free_ char *staging = work ? strdup_printf("%s/rootfs", work) : NULL;
        _cleanup_record_ bl_record *config = record_new();
        bool made = work != NULL;
        if (!staging || !config) {
                r = work ? -ENOMEM : -EIO;
                goto fail;
        }
        if (mkdir(staging, 0755) < 0 || chmod(staging, 0755) < 0) {
                r = ctx_fail(ctx, errno, "image \"%s\": cannot make a staging folder: %m", name);
                goto fail;
        }
        if ((r = fill_staging(ctx, staging, cfg)) < 0)
                goto fail;
        fault_point("image-create-staged");
        if (cfg->source_arg)
                record_set(config, "source_arg", cfg->source_arg);
        if (cfg->cmd) {
                _cleanup_free_ char *j = argv_to_json(cfg->cmd);
                record_set(config, "cmd", j);
        }
        if ((r = image_commit_staging(ctx, name, staging, cfg->size, source_names[cfg->source], config)) < 0)
                goto fail;
        rm_rf(work);
        return 0;

fail:
        if (made)
                rm_rf(work);
        image_unreserve(ctx, name);
        return r < 0 ? r : -EIO;
}
