/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Red-team attacks on main that succeeded, each kept as the test that
 * proved it (it failed before its fix). */
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include "archives.h"
#include "helpers.h"

/* A layer of one folder chain deeper than PATH_MAX (each entry name is
 * shorter, the tree is not): its import must leave nothing in tmp/. */
static void write_deep_layer(const char *out, int levels)
{
        struct archive *a = archive_write_new();
        archive_write_set_format_pax_restricted(a);
        ck_assert_int_eq(archive_write_open_filename(a, out), ARCHIVE_OK);
        size_t len = (size_t) levels * 2 + 2;
        char *name = malloc(len + 1);
        for (int i = 0; i < levels; i++)
                memcpy(name + i * 2, "a/", 2);
        strcpy(name + levels * 2, "f");
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 04777);
        archive_entry_set_size(e, 1);
        ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
        ck_assert_int_eq(archive_write_data(a, "x", 1), 1);
        archive_entry_free(e);
        ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
        archive_write_free(a);
        free(name);
}

/* A tree deeper than PATH_MAX in the staging folder: the clean-up by
 * path (nftw) failed with ENAMETOOLONG and left the tree, a set-id file
 * and whatever else the archive had written, in the state root's tmp/
 * for every attempt: the extraction bound did not bound the host's disk. */
START_TEST(test_deep_tree_cleaned)
{
        char *layer = strdup_printf("%s/deep-layer.tar", root), *arch = strdup_printf("%s/deep.tar", root);
        write_deep_layer(layer, 2100);
        docker_archive_write(arch, layer, NULL, 0);
        bl_image_config *cfg;
        bl_image_config_new(ctx, &cfg);
        int r = bl_image_import(ctx, "deep", arch, cfg);
        bl_image_config_free(cfg);
        fprintf(stderr, "deep import: %d %.120s\n", r, r < 0 ? bl_ctx_errmsg(ctx) : "accepted");
        if (r == 0)
                ck_assert_msg(bl_image_remove(ctx, "deep") == 0, "%s", bl_ctx_errmsg(ctx));
        char *cmd = strdup_printf("test -z \"$(ls -A %s/tmp)\"", root);
        int left = system(cmd);
        free(cmd);
        if (left != 0) {
                cmd = strdup_printf("cd %s/tmp && for d in *; do mv $d x; while [ -d x/a ]; do mv x/a y; rm -rf x; mv y x; done; rm -rf x; done", root);
                (void) !system(cmd);
                free(cmd);
        }
        ck_assert_msg(left == 0, "the import left its staging tree in %s/tmp", root);
        unlink(layer);
        unlink(arch);
        free(layer);
        free(arch);
}
END_TEST

static void add_entry(struct archive *a, const char *name, mode_t type, const char *link)
{
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, type);
        archive_entry_set_perm(e, 0755);
        if (link)
                archive_entry_set_symlink(e, link);
        archive_entry_set_size(e, type == AE_IFREG ? 1 : 0);
        ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
        if (type == AE_IFREG)
                ck_assert_int_eq(archive_write_data(a, "x", 1), 1);
        archive_entry_free(e);
}

/* `levels` folders of 23 letters: "xxx…/xxx…/" */
static char *chain(int levels)
{
        char *p = calloc((size_t) levels * 24 + 1, 1);
        for (int i = 0; i < levels; i++)
                memcpy(p + i * 24, "xxxxxxxxxxxxxxxxxxxxxxx/", 24);
        return p;
}

/* A tree whose real paths pass 2048 bytes makes mke2fs -d (e2fsprogs
 * 1.47), run as root on the staging tree, corrupt its heap ("realloc():
 * invalid next size", SIGABRT): a hostile image driving memory corruption
 * in a host root process. Each entry name stays shorter: a symlink "l"
 * leads to a 20-level folder, and the file is made 70 levels below it.
 * The import must refuse the tree before mke2fs sees it. */
START_TEST(test_tree_mke2fs_cannot_copy)
{
        char *layer = strdup_printf("%s/long-layer.tar", root), *arch = strdup_printf("%s/long.tar", root);
        char *dir = chain(20), *below = chain(70);
        dir[strlen(dir) - 1] = 0;
        char *file = strdup_printf("l/%sf", below);
        struct archive *a = archive_write_new();
        archive_write_set_format_pax_restricted(a);
        ck_assert_int_eq(archive_write_open_filename(a, layer), ARCHIVE_OK);
        add_entry(a, dir, AE_IFDIR, NULL);
        add_entry(a, "l", AE_IFLNK, dir);
        add_entry(a, file, AE_IFREG, NULL);
        ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
        archive_write_free(a);
        ck_assert_msg(strlen(file) < 2048 && strlen(dir) + strlen(file) > 2100, "the setup lost its point");
        docker_archive_write(arch, layer, NULL, 0);
        bl_image_config *cfg;
        bl_image_config_new(ctx, &cfg);
        int r = bl_image_import(ctx, "long", arch, cfg);
        bl_image_config_free(cfg);
        const char *msg = bl_ctx_errmsg(ctx);
        fprintf(stderr, "long import: %d %.200s\n", r, r < 0 ? msg : "accepted");
        ck_assert_msg(r < 0, "a tree mke2fs corrupts itself on was accepted");
        ck_assert_msg(!strstr(msg, "mke2fs") && !strstr(msg, "signal"), "mke2fs ran on the tree: %s", msg);
        char *cmd = strdup_printf("test -z \"$(ls -A %s/tmp)\"", root);
        ck_assert_msg(system(cmd) == 0, "leftovers in %s/tmp", root);
        free(cmd);
        unlink(layer);
        unlink(arch);
        free(layer);
        free(arch);
        free(dir);
        free(below);
        free(file);
}
END_TEST

Suite *suite_redteam(void);
Suite *suite_redteam(void)
{
        Suite *s = suite_create("redteam");
        TCase *tc = tcase_create("archives");
        tcase_add_checked_fixture(tc, integ_setup, integ_teardown);
        tcase_set_timeout(tc, 180);
        tcase_add_test(tc, test_deep_tree_cleaned);
        tcase_add_test(tc, test_tree_mke2fs_cannot_copy);
        suite_add_tcase(s, tc);
        return s;
}
