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
        _cleanup_image_model_ struct image_model m = {
                .name = strdup(name), .state = ISTATE_CREATING, .creator_pid = (uint64_t) getpid(), .source = strdup(source),
        };
        if (!m.name || !m.source)
                return -ENOMEM;
        return image_model_save(ctx, &m);
}

void image_unreserve(bl_ctx *ctx, const char *name)
{
        _cleanup_unlock_ int lock = -1;
        if (store_lock(ctx, &lock) == 0)
                manifest_remove(ctx, KIND_IMAGES, name);
}

int image_adopt_file(bl_ctx *ctx, const char *name, const char *partial, uint64_t used, const char *source,
                     struct image_model *img)
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
        free(img->name);
        free(img->path);
        free(img->source);
        img->name = strdup(name);
        img->path = strdup(final);
        img->source = strdup(source);
        img->size = (uint64_t) st.st_size;
        img->used = used;
        img->created = (uint64_t) time(NULL);
        img->state = ISTATE_READY;
        img->creator_pid = 0;
        if (!img->name || !img->path || !img->source)
                r = -ENOMEM;
        else if ((r = store_lock(ctx, &lock)) == 0)
                r = image_model_save(ctx, img);
        if (r < 0)
                unlink(final);
        else
                ctx_log(ctx, BL_LOG_INFO, "image \"%s\": created (%llu bytes)", name, (unsigned long long) st.st_size);
        return r;
}

int image_commit_staging(bl_ctx *ctx, const char *name, const char *staging, uint64_t size,
                         const char *source, struct image_model *img)
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
                if (size && strstr(ctx->error.msg, "mke2fs"))
                        r = ctx_fail_replace(ctx, ENOSPC, "image \"%s\": the content does not fit in %" PRIu64 " bytes; it needs about %s",
                                         name, size, need);
                return r;
        }
        fault_point("image-create-formatted");
        return image_adopt_file(ctx, name, partial, used, source, img);
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
        _cleanup_image_model_ struct image_model img = { 0 };
        bool made = work != NULL;
        if (!staging) {
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
        if ((cfg->source_arg && !(img.source_arg = strdup(cfg->source_arg))) || (cfg->cmd && !(img.cmd = strv_copy(cfg->cmd)))) {
                r = -ENOMEM;
                goto fail;
        }
        if ((r = image_commit_staging(ctx, name, staging, cfg->size, source_names[cfg->source], &img)) < 0)
                goto fail;
        rm_rf(work);
        return 0;

fail:
        if (made)
                rm_rf(work);
        image_unreserve(ctx, name);
        return r < 0 ? r : -EIO;
}
