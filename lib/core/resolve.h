/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Paths taken from an image, an archive or a container are hostile: they
 * are resolved beneath a root folder's descriptor, never against the
 * host's "/".  openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) makes an
 * absolute symlink or a ".." stop at that root (as chroot would) and
 * refuses /proc's magic links; the last component of what is created is
 * never followed.
 */
#pragma once

#include <sys/types.h>

#include "core.h"

/* "./a//b/" -> "a/b" (malloc'd); "" for the root itself.  NULL when the
 * path is absolute, has a ".." component, or no memory. */
char *path_clean(const char *path);

/* openat2 beneath rootfd (O_CLOEXEC added).  An fd, or -errno. */
int open_in_root(int rootfd, const char *path, int flags, mode_t mode);

/* Opens the folder `path` beneath rootfd (O_RDONLY | O_DIRECTORY), making
 * the missing ones with `mode` as "mkdir -p" would, inside the root: a
 * symlink on the way is followed as the image sees it.  An fd, or -errno
 * (-ENOTDIR when a component is not a folder inside the root, a dangling
 * link included). */
int mkdir_in_root(int rootfd, const char *path, mode_t mode);

/* The folder holding `path` (a cleaned relative path with a last
 * component), opened beneath rootfd; made when `create` (0755).  The last
 * component goes to *ret_base (pointing into path).  An fd, or -errno. */
int open_parent_in_root(int rootfd, const char *path, bool create, const char **ret_base);

/* Removes `name` in the folder dirfd, a folder with all it holds; never
 * follows a link (a link is removed, not its target).  0 when gone. */
int remove_beneath(int dirfd, const char *name);
