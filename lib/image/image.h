/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "core/core.h"
#include "core/record.h"
#include "store/model.h" /* argv_to_json, argv_from_json */

struct bl_image_config {
        bl_ctx *ctx;            /* where setters report (may be NULL) */
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
/* A work folder tmp/KIND-NAME.XXXXXX (0700) holding the record of its
 * owner, this process (core/owner.h): check removes it once that process
 * is dead, never while it lives, whatever NAME holds.  NULL on failure. */
char *staging_folder(bl_ctx *ctx, const char *kind, const char *name);
int staging_skeleton(bl_ctx *ctx, const char *dir);
int staging_busybox(bl_ctx *ctx, const char *dir);
int staging_from_dir(bl_ctx *ctx, const char *dir, const char *src);
/* A rootfs tarball as one layer, its content bounded by `size` (0: see extract_init). */
int staging_from_tar(bl_ctx *ctx, const char *dir, const char *tarball, uint64_t size);
int staging_debootstrap(bl_ctx *ctx, const char *dir, const char *suite, const char *include, const char *mirror);
/* A host program and the shared libraries ldd names for it. */
int staging_add_program(bl_ctx *ctx, const char *dir, const char *program);
int staging_add_copy(bl_ctx *ctx, const char *dir, const char *host, const char *image_path);


/* lazylibs.c: loads libarchive and libcrypto; an error naming the
 * package when they cannot be. */
int lazylibs_check(bl_ctx *ctx, const char *what);

/* digest.c: "sha256:<hex>" */
int digest_buffer(const void *data, size_t len, char out[72]);
int digest_file(const char *path, char out[72]);
int digest_uncompressed(const char *path, char out[72]);
/* The same, -EFBIG once the decompressed bytes pass `max` (0: no bound):
 * a small layer that expands without end costs no more than the limit. */
int digest_uncompressed_max(const char *path, uint64_t max, char out[72]);

struct archive;
struct archive_entry;
struct extract;
/* layers.c: applies one layer tar (any compression) beneath x->rootfd:
 * whiteouts delete from the layers below, then entries are extracted. */
int layer_apply(struct extract *x, const char *layer);
/* Writes the tree `root` as an uncompressed tar at `out`. */
int layer_write(bl_ctx *ctx, const char *root, const char *out);

/* create.c: shared by create, import and commit */
int image_reserve(bl_ctx *ctx, const char *name, const char *source);
void image_unreserve(bl_ctx *ctx, const char *name);
/* Makes the image file from a staging folder and records the manifest:
 * `img` holds its config (cmd, env…; may be all empty), the rest (name,
 * size, path…) is filled in here. */
int image_commit_staging(bl_ctx *ctx, const char *name, const char *staging, uint64_t size,
                         const char *source, struct image_model *img);
uint64_t image_auto_size(uint64_t used);
/* Moves a finished image file (ROOT/tmp/…partial) into place and records it. */
int image_adopt_file(bl_ctx *ctx, const char *name, const char *partial, uint64_t used, const char *source,
                     struct image_model *img);

/* Names of images whose creation was abandoned (creating, creator dead). */
int image_abandoned(bl_ctx *ctx, char ***ret);

/* A ready image's model (what a container takes from it: cmd, env,
 * workdir…), or -ENOENT, -EBUSY, -EBADMSG with a message. */
int image_load(bl_ctx *ctx, const char *name, struct image_model *ret);
/* ROOT/images/NAME.img */
char *image_file(bl_ctx *ctx, const char *name);

/* extract.c: archive entries written beneath a root folder's descriptor
 * (never through a link of the image), counted against a limit. */
struct extract {
        bl_ctx *ctx;
        int rootfd;
        const char *what;       /* names the source in errors */
        uint64_t limit;         /* bytes the content may take; 0: none */
        const char *limit_why;  /* how the limit was chosen, for the error */
        uint64_t used;
        uint64_t entries, max_entries; /* inodes made, and their bound (0: none) */
        size_t root_len;        /* of the root's own path: the entries' real paths are measured from it */
        bool keep_meta;         /* owners, modes, times, xattrs, links, nodes as the archive says;
                                 * else only files (0600) and folders (0700) */
};
/* The limit is `size` when given, else half of what the state root's
 * filesystem has free beyond a twentieth of its size; *ret_why says which.
 * extract_init bounds the entries the same way: one per 4K of `size`, or
 * half the free inodes beyond a twentieth. */
uint64_t extract_limit(bl_ctx *ctx, uint64_t size, const char **ret_why);
void extract_init(struct extract *x, bl_ctx *ctx, int rootfd, uint64_t size);
/* Counts bytes the content takes; -EFBIG with a message past the limit. */
int extract_charge(struct extract *x, uint64_t bytes, const char *name);
/* Writes the current entry of `a` at `path` (cleaned: relative, no "..")
 * beneath x->rootfd, replacing what is there. */
int extract_entry(struct extract *x, struct archive *a, struct archive_entry *e, const char *path);
