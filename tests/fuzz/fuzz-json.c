/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/image/json.c: argv arrays (an image's Cmd, Entrypoint, Env) read back
 * from manifests.  What parses must encode and parse back unchanged. */
#include "fuzz.h"
#include "image/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *text = fuzz_string(data, size), *again = NULL;
        _cleanup_strv_ char **v = NULL, **v2 = NULL;
        if (argv_from_json(text, &v) < 0)
                return 0;
        fuzz_assert((again = argv_to_json(v)));
        fuzz_assert(argv_from_json(again, &v2) == 0);
        fuzz_assert(strv_length(v) == strv_length(v2));
        for (size_t i = 0; v[i]; i++)
                fuzz_assert(strcmp(v[i], v2[i]) == 0);
        return 0;
}
