/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What an image archive says (docker-archive manifest.json, OCI index and
 * manifests, the image config): read by import.c, and by the fuzz target
 * tests/fuzz/fuzz-image-archive.c, since every byte of it is hostile. */
#pragma once

#include <json-c/json.h>

#include "core/core.h"
#include "store/model.h"

#define MAX_LAYERS 256

struct layer {
        char *path;             /* file in the unpacked archive */
        char digest[72];        /* expected digest of the file as stored (OCI), or "" */
        char diff_id[72];       /* expected digest of the uncompressed tar, or "" */
};

struct source {
        char *dir;              /* the unpacked archive or the layout */
        char *config_path;
        char config_digest[72]; /* expected, or "" */
        struct layer layers[MAX_LAYERS];
        size_t nlayers;
        char *tag;
        const char *format;
};

/* Frees what read_docker/read_oci filled in (not s->dir). */
void source_free(struct source *s);
/* s->dir/manifest.json (docker-archive): the image tagged `tag` (NULL: the
 * only one), its config file and layers, every path inside s->dir. */
int read_docker(bl_ctx *ctx, struct source *s, const char *tag, const char *what);
/* s->dir/index.json (OCI layout): the same, through the manifest blob
 * (checked against its digest; a nested index: linux/amd64's). */
int read_oci(bl_ctx *ctx, struct source *s, const char *tag, const char *what);
/* The image config's keys an image keeps (cmd, env, workdir...), into its
 * model: -ENOMEM only (a value of the wrong JSON type is left out). */
int config_keys(json_object *config, struct source *s, struct image_model *out);
/* Unpacks an archive's files and folders (never its links) into dir,
 * within `size` (0: see extract_init): also used by image push. */
int archive_unpack(bl_ctx *ctx, const char *file, const char *dir, uint64_t size, const char *what);
