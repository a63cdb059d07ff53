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
        char *tag;
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

/* lazylibs.c: loads libarchive and libcrypto; an error naming the
 * package when they cannot be. */
int lazylibs_check(bl_ctx *ctx, const char *what);

/* digest.c: "sha256:<hex>" */
int digest_buffer(const void *data, size_t len, char out[72]);
int digest_file(const char *path, char out[72]);
int digest_uncompressed(const char *path, char out[72]);

/* layers.c: applies one layer tar (any compression) onto root: whiteouts
 * delete from the layers below, then entries are extracted beneath root. */
int layer_apply(bl_ctx *ctx, const char *root, const char *layer, const char *what);
/* Copies the current entry's data from one archive to another; ARCHIVE_EOF when whole. */
struct archive;
int archive_pump_data(struct archive *in, struct archive *out);
/* Writes the tree `root` as an uncompressed tar at `out`. */
int layer_write(bl_ctx *ctx, const char *root, const char *out);

/* create.c: shared by create, import and commit */
int image_reserve(bl_ctx *ctx, const char *name, const char *source);
void image_unreserve(bl_ctx *ctx, const char *name);
/* Makes the image file from a staging folder and records the manifest
 * (extra keys from `config`, may be NULL). */
int image_commit_staging(bl_ctx *ctx, const char *name, const char *staging, uint64_t size,
                         const char *source, const bl_record *config);
uint64_t image_auto_size(uint64_t used);
/* Moves a finished image file (ROOT/tmp/…partial) into place and records it. */
int image_adopt_file(bl_ctx *ctx, const char *name, const char *partial, uint64_t used, const char *source,
                     const bl_record *config);

/* The image's manifest, or -ENOENT with a message. */
int image_load(bl_ctx *ctx, const char *name, bl_record **ret);
/* ROOT/images/NAME.img */
char *image_file(bl_ctx *ctx, const char *name);
