/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small hostile archives written byte by byte, so a test can put in them
 * what a well-behaved writer (libarchive) refuses to: hardlinks with a
 * body, whiteouts of "..", names with "..", links to host paths. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tar_ent {
        char type;              /* f file, d dir, l symlink, h hardlink, c char device, F host file's bytes */
        const char *path;
        const char *data;       /* content ('f'), link target ('l', 'h'), host path ('F'), "maj:min" ('c') */
        unsigned mode;          /* 0: 0644 for files, 0755 for dirs */
        const char *body;       /* 'h' only: bytes carried after the hardlink header (pax) */
};

/* An uncompressed tar (pax headers where a hardlink carries a body). */
void tar_write(const char *out, const struct tar_ent *e, size_t n);
/* A docker-archive at `out` whose one image has the layer file `layer`
 * (its diff_id computed here); `extra` entries are appended as they are. */
void docker_archive_write(const char *out, const char *layer, const struct tar_ent *extra, size_t nextra);
/* True when `tar` holds an entry `path` with a hardlink target and a body
 * of `len` bytes: the proof that a test's setup is really in the archive. */
bool tar_has_hardlink_body(const char *tar, const char *path, size_t len);
