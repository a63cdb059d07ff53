/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The state root: text manifests, atomic writes, the lock.  Knows no kernel API. */
#pragma once

#include "core/core.h"
#include "core/record.h"

#define KIND_IMAGES "images"
#define KIND_CONTAINERS "containers"
#define KIND_BRIDGES "bridges"

/* ROOT/<formatted>; NULL on ENOMEM. */
char *store_path(bl_ctx *ctx, const char *fmt, ...) _printf_(2, 3);
/* Eight hex digits naming this state root in host-global names (cgroups,
 * veths, cron files): a hash of the root folder's device and inode, so two
 * paths to one root agree and two roots never share a name. */
const char *store_root_id(bl_ctx *ctx);
/* Creates the root's folders. */
int store_init(bl_ctx *ctx);

/* Parses manifest text; -EBADMSG for a corrupt or truncated one. */
int manifest_parse(const char *text, bl_record **ret);
/* Formats a record as "key: value\n" lines; -EINVAL if a value holds a newline. */
int manifest_format(const bl_record *rec, char **ret);

/* -ENOENT (with message "<kind> "name": no such ...") when absent. */
int manifest_load(bl_ctx *ctx, const char *kind, const char *name, bl_record **ret);
int manifest_save(bl_ctx *ctx, const char *kind, const char *name, const bl_record *rec);
int manifest_remove(bl_ctx *ctx, const char *kind, const char *name);
bool manifest_exists(bl_ctx *ctx, const char *kind, const char *name);
/* Every readable manifest of a kind, sorted by name; corrupt ones are
 * logged with their path and skipped. */
int manifest_list(bl_ctx *ctx, const char *kind, bl_record_list **ret);

/* The store's exclusive lock (flock on ROOT/lock), shared by every process. */
int store_lock(bl_ctx *ctx, int *ret_fd);
void store_unlock(int *fd);
#define _cleanup_unlock_ _cleanup_(store_unlock)

/* "image", "container", "bridge" for messages */
const char *kind_noun(const char *kind);
