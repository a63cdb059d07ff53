/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "fuzz.h"

static char dir[64];
static bl_ctx *ctx;

static void cleanup(void)
{
        bl_ctx_free(ctx);
        if (*dir)
                rm_rf(dir);
}

const char *fuzz_dir(void)
{
        if (!*dir) {
                snprintf(dir, sizeof(dir), "/tmp/blt-fuzz.XXXXXX");
                if (!mkdtemp(dir))
                        abort();
                atexit(cleanup);
        }
        return dir;
}

bl_ctx *fuzz_ctx(void)
{
        if (!ctx) {
                char root[128];
                snprintf(root, sizeof(root), "%s/root", fuzz_dir());
                if (bl_ctx_new(&ctx, root) < 0)
                        abort();
        }
        ctx_begin_call(ctx);
        return ctx;
}
