/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Sizes ("1.5G", "64MiB") and plain numbers, from the command line and
 * manifests; what parses is formatted without overflow. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *text = fuzz_string(data, size);
        uint64_t v;
        char buf[32];
        bl_ctx *ctx = fuzz_ctx();
        if (bl_size_parse(ctx, text, &v) == 0) {
                fuzz_assert(v > 0);
                format_size(v, buf);
        } else
                fuzz_assert(*bl_ctx_errmsg(ctx));        /* every refusal says why */
        if (parse_u64(text, &v) == 0) {
                /* the same digits, and nothing else */
                snprintf(buf, sizeof(buf), "%" PRIu64, v);
                fuzz_assert(strspn(text, "0123456789") == strlen(text));
        }
        return 0;
}
