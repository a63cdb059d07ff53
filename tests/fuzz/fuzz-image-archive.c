/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What an imported archive says: docker-archive's manifest.json, an OCI
 * index.json and the manifests and index blobs it names, and the image
 * config (lib/image/import.c).  The input is NUL-separated parts:
 *   byte 0        bit 0: docker-archive (1) or OCI layout (0); bit 1: ask for tag "web:1"
 *   part 0        manifest.json or index.json
 *   parts 1..9    files "1".."9" and blobs/sha256/<their digest>
 * "@N@" in a part becomes "sha256:<digest of part N>" (N above the part's
 * own number), so the fuzzer reaches past the digest checks.
 */
#include <sys/stat.h>

#include "fuzz.h"
#include "image/image.h"
#include "image/import.h"

#define MAX_PARTS 10

static char *substitute(const char *in, char digests[MAX_PARTS][72], int from)
{
        size_t cap = strlen(in) + 1;
        for (const char *p = in; (p = strchr(p, '@')); p++)
                cap += 72;
        char *out = malloc(cap), *o = out;
        if (!out)
                abort();
        for (const char *p = in; *p;) {
                if (p[0] == '@' && p[1] >= '1' && p[1] <= '9' && p[2] == '@' && p[1] - '0' > from) {
                        o += sprintf(o, "%s", digests[p[1] - '0']);
                        p += 3;
                } else
                        *o++ = *p++;
        }
        *o = 0;
        return out;
}

/* (a plain write: the atomic one's fsyncs would cost most of the run) */
static void write_part(const char *dir, const char *name, const char *text)
{
        _cleanup_free_ char *p = strdup_printf("%s/%s", dir, name);
        _cleanup_fclose_ FILE *f = p ? fopen(p, "we") : NULL;
        if (!f || fputs(text, f) < 0)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1)
                return 0;
        bool docker = data[0] & 1;
        const char *tag = data[0] & 2 ? "web:1" : NULL;
        _cleanup_free_ char *all = malloc(size);
        if (!all)
                abort();
        memcpy(all, data + 1, size - 1);
        all[size - 1] = 0;
        /* the parts, NUL-separated */
        char *parts[MAX_PARTS] = { 0 };
        int n = 0;
        for (char *p = all; n < MAX_PARTS && p < all + size - 1 + 1; p += strlen(p) + 1)
                parts[n++] = p;
        char digests[MAX_PARTS][72] = { { 0 } };
        char *texts[MAX_PARTS] = { 0 };
        for (int i = n - 1; i >= 0; i--) {
                texts[i] = substitute(parts[i], digests, i);
                if (digest_buffer(texts[i], strlen(texts[i]), digests[i]) < 0)
                        abort();
        }

        _cleanup_free_ char *dir = strdup_printf("%s/archive", fuzz_dir());
        _cleanup_free_ char *blobs = strdup_printf("%s/blobs/sha256", dir);
        if (!dir || !blobs)
                abort();
        rm_rf(dir);
        if (mkdir_p(blobs, 0700) < 0)
                abort();
        write_part(dir, docker ? "manifest.json" : "index.json", texts[0]);
        for (int i = 1; i < n; i++) {
                char name[80];
                snprintf(name, sizeof(name), "%d", i);
                write_part(dir, name, texts[i]);
                snprintf(name, sizeof(name), "blobs/sha256/%s", digests[i] + strlen("sha256:"));
                write_part(dir, name, texts[i]);
        }

        struct source s = { .dir = dir };
        bl_ctx *ctx = fuzz_ctx();
        int r = docker ? read_docker(ctx, &s, tag, "fuzz") : read_oci(ctx, &s, tag, "fuzz");
        if (r < 0)
                fuzz_assert(*bl_ctx_errmsg(ctx));       /* every refusal says why */
        else {
                fuzz_assert(s.config_path && strncmp(s.config_path, dir, strlen(dir)) == 0);
                for (size_t i = 0; i < s.nlayers; i++)
                        fuzz_assert(strncmp(s.layers[i].path, dir, strlen(dir)) == 0);
                /* the config, as bl_image_import reads it */
                _cleanup_free_ char *config = NULL;
                json_object *o = read_file(s.config_path, &config, NULL) == 0 ? json_tokener_parse(config) : NULL;
                struct image_model keys = { 0 };
                if (o)
                        config_keys(o, &s, &keys);
                image_model_done(&keys);
                json_object_put(o);
        }
        source_free(&s);
        for (int i = 0; i < n; i++)
                free(texts[i]);
        return 0;
}
