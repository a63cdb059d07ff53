/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "archives.h"
#include "core/core.h"
#include "image/image.h"

static void header(FILE *f, char type, const char *name, const char *link, unsigned mode, size_t size, unsigned maj, unsigned min)
{
        char h[512] = { 0 };
        ck_assert_msg(strlen(name) < 100 && (!link || strlen(link) < 100), "test name too long: %s", name);
        memcpy(h, name, strlen(name));
        snprintf(h + 100, 8, "%07o", mode);
        snprintf(h + 108, 8, "%07o", 0);
        snprintf(h + 116, 8, "%07o", 0);
        snprintf(h + 124, 12, "%011zo", size);
        snprintf(h + 136, 12, "%011o", 1700000000u);
        memset(h + 148, ' ', 8);
        h[156] = type;
        if (link)
                memcpy(h + 157, link, strlen(link));
        memcpy(h + 257, "ustar", 6);
        memcpy(h + 263, "00", 2);
        snprintf(h + 329, 8, "%07o", maj);
        snprintf(h + 337, 8, "%07o", min);
        unsigned sum = 0;
        for (int i = 0; i < 512; i++)
                sum += (unsigned char) h[i];
        snprintf(h + 148, 8, "%06o", sum);
        ck_assert_int_eq(fwrite(h, 1, 512, f), 512);
}

static void body(FILE *f, const char *d, size_t n)
{
        static const char zero[512];
        ck_assert_int_eq(fwrite(d, 1, n, f), n);
        if (n % 512)
                ck_assert_int_eq(fwrite(zero, 1, 512 - n % 512, f), 512 - n % 512);
}

/* A pax extended header naming the entry: it makes the next entry pax,
 * whose hardlinks may carry a body. */
static void pax_header(FILE *f, const char *path)
{
        char rec[300];
        size_t len = strlen(" path=\n") + strlen(path), total = len + 1;
        while (snprintf(NULL, 0, "%zu", total) + len != total)
                total++;
        snprintf(rec, sizeof(rec), "%zu path=%s\n", total, path);
        header(f, 'x', "PaxHeaders/entry", NULL, 0644, strlen(rec), 0, 0);
        body(f, rec, strlen(rec));
}

void tar_write(const char *out, const struct tar_ent *e, size_t n)
{
        FILE *f = fopen(out, "w");
        ck_assert_ptr_nonnull(f);
        for (size_t i = 0; i < n; i++) {
                unsigned mode = e[i].mode ? e[i].mode : e[i].type == 'd' ? 0755 : 0644;
                char *content = NULL;
                size_t len = 0;
                unsigned maj = 0, min = 0;
                switch (e[i].type) {
                case 'd':
                        header(f, '5', e[i].path, NULL, mode, 0, 0, 0);
                        break;
                case 'l':
                        header(f, '2', e[i].path, e[i].data, 0777, 0, 0, 0);
                        break;
                case 'h':
                        len = e[i].body ? strlen(e[i].body) : 0;
                        if (len)
                                pax_header(f, e[i].path);
                        header(f, '1', e[i].path, e[i].data, mode, len, 0, 0);
                        if (len)
                                body(f, e[i].body, len);
                        break;
                case 'c':
                        ck_assert_int_eq(sscanf(e[i].data, "%u:%u", &maj, &min), 2);
                        header(f, '3', e[i].path, NULL, mode, 0, maj, min);
                        break;
                case 'F':
                        ck_assert_int_eq(read_file(e[i].data, &content, &len), 0);
                        header(f, '0', e[i].path, NULL, mode, len, 0, 0);
                        body(f, content, len);
                        free(content);
                        break;
                default:
                        len = strlen(e[i].data);
                        header(f, '0', e[i].path, NULL, mode, len, 0, 0);
                        body(f, e[i].data, len);
                        break;
                }
        }
        static const char end[1024];
        ck_assert_int_eq(fwrite(end, 1, sizeof(end), f), sizeof(end));
        ck_assert_int_eq(fclose(f), 0);
}

void docker_archive_write(const char *out, const char *layer, const struct tar_ent *extra, size_t nextra)
{
        char d[72];
        ck_assert_int_eq(digest_uncompressed(layer, d), 0);
        char *cfg = strdup_printf("{\"config\":{\"Cmd\":[\"/bin/sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}", d);
        struct tar_ent e[8] = {
                { 'f', "c.json", cfg, 0, NULL },
                { 'F', "l/layer.tar", layer, 0, NULL },
                { 'f', "manifest.json", "[{\"Config\":\"c.json\",\"RepoTags\":[\"evil:1\"],\"Layers\":[\"l/layer.tar\"]}]", 0, NULL },
        };
        ck_assert(nextra <= 5);
        for (size_t i = 0; i < nextra; i++)
                e[3 + i] = extra[i];
        tar_write(out, e, 3 + nextra);
        free(cfg);
}

bool tar_has_hardlink_body(const char *tar, const char *path, size_t len)
{
        struct archive *a = archive_read_new();
        archive_read_support_format_tar(a);
        bool found = false;
        struct archive_entry *e;
        if (archive_read_open_filename(a, tar, 10240) == ARCHIVE_OK)
                while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
                        char buf[256];
                        if (strcmp(archive_entry_pathname(e), path) == 0 && archive_entry_hardlink(e) &&
                            archive_read_data(a, buf, sizeof(buf)) == (la_ssize_t) len)
                                found = true;
                }
        archive_read_free(a);
        return found;
}
