/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers of container start (program.c). */
#pragma once

#include "container.h"

/* A terminal pair; the master gets the caller's window size. */
int open_pty(bl_ctx *ctx, const char *name, int *ret_master, int *ret_slave);
/* ROOT/containers/NAME/FILE opened with flags (O_CLOEXEC added, mode 0600). */
int open_in(bl_ctx *ctx, const char *name, const char *file, int flags, int *ret);
