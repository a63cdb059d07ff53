/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the fuzz targets: each defines LLVMFuzzerTestOneInput, run by
 * libFuzzer (-Dfuzz=true) or by replay.c over its seed corpus (unit tests). */
#pragma once

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a C string (a NUL inside ends it, as for any text we read). */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
        char *s = malloc(size + 1);
        if (!s)
                abort();
        memcpy(s, data, size);
        s[size] = 0;
        return s;
}

/* An abort that libFuzzer records as a crash: the parser broke a property. */
#define fuzz_assert(cond) do { if (!(cond)) abort(); } while (0)

/* One context for the process, on a private state root (never the host's). */
bl_ctx *fuzz_ctx(void);
/* A scratch folder for the process, removed at exit. */
const char *fuzz_dir(void);
