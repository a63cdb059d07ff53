/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Manifests: text any process with access to the state root may have
 * written (or a crash truncated).  What parses must format and parse back
 * to the same record; what the typed models decode must encode, decode
 * again and encode to the same text (a stable fixed point). */
#include "fuzz.h"
#include "core/record.h"
#include "store/model.h"
#include "store/store.h"

#define MODEL_ROUND_TRIP(type, rec)                                                        \
        do {                                                                               \
                struct type##_model m = { 0 }, m2 = { 0 };                                    \
                char key[MODEL_KEY_MAX];                                                   \
                _cleanup_record_ bl_record *e1 = NULL, *e2 = NULL;                          \
                _cleanup_free_ char *t1 = NULL, *t2 = NULL;                                 \
                if (type##_model_decode(rec, &m, key) == 0 && type##_model_encode(&m, &e1) == 0 && \
                    manifest_format(e1, &t1) == 0) {                                        \
                        _cleanup_record_ bl_record *back = NULL;                            \
                        fuzz_assert(manifest_parse(t1, &back) == 0);                        \
                        fuzz_assert(type##_model_decode(back, &m2, key) == 0);             \
                        fuzz_assert(type##_model_encode(&m2, &e2) == 0);                    \
                        fuzz_assert(manifest_format(e2, &t2) == 0);                         \
                        fuzz_assert(strcmp(t1, t2) == 0);                                   \
                }                                                                          \
                type##_model_done(&m);                                                     \
                type##_model_done(&m2);                                                    \
        } while (0)

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
        MODEL_ROUND_TRIP(container, rec);
        MODEL_ROUND_TRIP(bridge, rec);
        MODEL_ROUND_TRIP(image, rec);
        return 0;
}
