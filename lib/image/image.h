/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "core/core.h"
#include "core/record.h"

struct bl_image_config {
        uint64_t size;
        bl_image_source source;
        char *source_arg;
        char **programs;
        char **copies;          /* "host\nimage" pairs */
        char *deb_include;
        char *deb_mirror;
        char **cmd;
};

/* staging.c: fills a staging folder from one source */
int staging_skeleton(bl_ctx *ctx, const char *dir);
int staging_busybox(bl_ctx *ctx, const char *dir);
int staging_from_dir(bl_ctx *ctx, const char *dir, const char *src);
int staging_from_tar(bl_ctx *ctx, const char *dir, const char *tarball);
int staging_debootstrap(bl_ctx *ctx, const char *dir, const char *suite, const char *include, const char *mirror);
/* A host program and the shared libraries ldd names for it. */
int staging_add_program(bl_ctx *ctx, const char *dir, const char *program);
int staging_add_copy(bl_ctx *ctx, const char *dir, const char *host, const char *image_path);

/* The JSON text of an argv, and back (json-c). */
char *argv_to_json(char *const argv[]);
int argv_from_json(const char *json, char ***ret);

/* The image's manifest, or -ENOENT with a message. */
int image_load(bl_ctx *ctx, const char *name, bl_record **ret);
/* ROOT/images/NAME.img */
char *image_file(bl_ctx *ctx, const char *name);
