/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Who made a temporary thing of the state root (a work folder, a partial
 * file): a record written at its creation, so that `check` removes it only
 * once its owner is provably dead, whatever the thing is named. */
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include "core.h"

/* Field 22 of /proc/PID/stat: the start time in clock ticks since boot;
 * with the pid, the identity of a process that a reused pid cannot take. */
int proc_starttime(pid_t pid, uint64_t *ret);

#define OWNER_FILE "owner"      /* inside a work folder */

struct owner {
        char kind[32];          /* "image", "export"… */
        char name[128];         /* the object's name */
        pid_t pid;
        uint64_t starttime;
        char *path;             /* a partial file elsewhere this record stands for, or NULL */
        bool has_id;            /* dev and ino of that file, once it was made */
        dev_t dev;
        ino_t ino;
};

/* Writes the calling process as the owner into fd (a new, empty file),
 * with the path and identity (st, may be NULL) of a file elsewhere. */
int owner_write_fd(int fd, const char *kind, const char *name, const char *path, const struct stat *st);
/* The same into a new file (O_EXCL) `name` of the folder dirfd. */
int owner_create_at(int dirfd, const char *file, const char *kind, const char *name);
/* Reads a record: 1 when its owner lives, 0 when it is provably dead (no
 * such pid, or one with another start time), < 0 when the record is
 * missing, unreadable or corrupt.  Free with owner_done(). */
int owner_read_at(int dirfd, const char *file, struct owner *ret);
void owner_done(struct owner *o);
