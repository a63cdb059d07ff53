/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* "UID[:GID]", from the command line, manifests and an image's config. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *text = fuzz_string(data, size);
        uid_t u;
        gid_t g;
        if (parse_user(text, &u, &g) == 0) {
                fuzz_assert(u != (uid_t) -1 && g != (gid_t) -1);
                fuzz_assert(strspn(text, "0123456789:") == strlen(text));
        }
        return 0;
}
