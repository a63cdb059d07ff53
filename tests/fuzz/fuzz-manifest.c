/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Manifests: text any process with access to the state root may have
 * written (or a crash truncated).  What parses must format and parse back
 * to the same record. */
#include "fuzz.h"
#include "core/record.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *text = fuzz_string(data, size), *again = NULL;
        _cleanup_record_ bl_record *rec = NULL, *rec2 = NULL;
        if (manifest_parse(text, &rec) < 0)
                return 0;
        if (manifest_format(rec, &again) < 0)
                return 0;       /* a value no manifest can hold */
        fuzz_assert(manifest_parse(again, &rec2) == 0);
        fuzz_assert(bl_record_count(rec) == bl_record_count(rec2));
        for (size_t i = 0; i < bl_record_count(rec); i++) {
                fuzz_assert(strcmp(bl_record_key(rec, i), bl_record_key(rec2, i)) == 0);
                fuzz_assert(strcmp(bl_record_value(rec, i), bl_record_value(rec2, i)) == 0);
        }
        return 0;
}
