/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "image.h"

BL_EXPORT int bl_image_config_new(bl_ctx *ctx, bl_image_config **ret)
{
        if (ctx)
                ctx_begin_call(ctx);
        bl_image_config *c = calloc(1, sizeof(*c));
        if (!c)
                return ctx_fail(ctx, ENOMEM, "image config: out of memory");
        c->ctx = ctx;
        *ret = c;
        return 0;
}

BL_EXPORT void bl_image_config_free(bl_image_config *c)
{
        if (!c)
                return;
        free(c->source_arg);
        strv_freep(&c->programs);
        strv_freep(&c->copies);
        strv_freep(&c->cmd);
        free(c->deb_include);
        free(c->deb_mirror);
        free(c->tag);
        free(c);
}

BL_EXPORT int bl_image_config_set_size(bl_image_config *c, uint64_t bytes)
{
        c->size = bytes;
        return 0;
}

BL_EXPORT int bl_image_config_set_source(bl_image_config *c, bl_image_source source, const char *arg)
{
        if ((unsigned) source > BL_IMAGE_SOURCE_EMPTY)   /* the last one */
                return -EINVAL;
        if ((source == BL_IMAGE_SOURCE_DIR || source == BL_IMAGE_SOURCE_TAR || source == BL_IMAGE_SOURCE_DEBOOTSTRAP) && (!arg || !*arg))
                return ctx_fail(c->ctx, EINVAL, "image source: needs a path or a suite");
        char *a = arg ? strdup(arg) : NULL;
        if (arg && !a)
                return -ENOMEM;
        free(c->source_arg);
        c->source_arg = a;
        c->source = source;
        return 0;
}

BL_EXPORT int bl_image_config_add_program(bl_image_config *c, const char *path)
{
        if (!path || !*path)
                return ctx_fail(c->ctx, EINVAL, "program: an empty path");
        return strv_push(&c->programs, path);
}

BL_EXPORT int bl_image_config_add_copy(bl_image_config *c, const char *host, const char *image_path)
{
        if (!host || !*host)
                return ctx_fail(c->ctx, EINVAL, "copy: an empty host path");
        _cleanup_free_ char *pair = strdup_printf("%s\n%s", host, image_path ? image_path : host);
        return pair ? strv_push(&c->copies, pair) : -ENOMEM;
}

BL_EXPORT int bl_image_config_set_debootstrap(bl_image_config *c, const char *include, const char *mirror)
{
        free(c->deb_include);
        free(c->deb_mirror);
        c->deb_include = strdup_or_null(include);
        c->deb_mirror = strdup_or_null(mirror);
        return 0;
}

BL_EXPORT int bl_image_config_set_cmd(bl_image_config *c, char *const argv[])
{
        char **v = strv_copy(argv);
        if (!v)
                return -ENOMEM;
        strv_freep(&c->cmd);
        c->cmd = v;
        return 0;
}

BL_EXPORT int bl_image_config_set_tag(bl_image_config *c, const char *tag)
{
        free(c->tag);
        c->tag = strdup_or_null(tag);
        return 0;
}
