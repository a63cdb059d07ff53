/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Images from every source (no root needed: mke2fs -d), copies, failures. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "disk/disk.h"
#include "image/image.h"
#include "store/store.h"
#include "unit.h"

static bl_ctx *ctx;
static char *root;

static void setup(void)
{
        root = make_tmp();
        ck_assert_int_eq(bl_ctx_new(&ctx, root), 0);
}

static void teardown(void)
{
        rm_rf(root);
        free(root);
        bl_ctx_free(ctx);
}

static int create(const char *name, bl_image_source src, const char *arg, uint64_t size)
{
        bl_image_config *cfg;
        ck_assert_int_eq(bl_image_config_new(ctx, &cfg), 0);
        ck_assert_int_eq(bl_image_config_set_source(cfg, src, arg), 0);
        bl_image_config_set_size(cfg, size);
        int r = bl_image_create(ctx, name, cfg);
        bl_image_config_free(cfg);
        return r;
}

/* The store holds exactly these image names and no leftovers. */
static void assert_images(size_t n)
{
        bl_record_list *list;
        ck_assert_int_eq(bl_image_list(ctx, &list), 0);
        ck_assert_uint_eq(bl_record_list_count(list), n);
        bl_record_list_free(list);
        char *tmp = store_path(ctx, "tmp");
        char *cmd = strdup_printf("test -z \"$(ls -A %s)\"", tmp);
        ck_assert_msg(system(cmd) == 0, "leftovers in %s", tmp);
        free(cmd);
        free(tmp);
}

START_TEST(test_busybox)
{
        if (access("/bin/busybox", X_OK) < 0)
                return;
        ck_assert_int_eq(create("base", BL_IMAGE_SOURCE_BUSYBOX, NULL, 0), 0);
        bl_record *rec;
        ck_assert_int_eq(bl_image_inspect(ctx, "base", &rec), 0);
        ck_assert_str_eq(bl_record_get(rec, "source"), "busybox");
        char *type;
        ck_assert_int_eq(disk_probe_fstype(ctx, bl_record_get(rec, "path"), &type), 0);
        ck_assert_str_eq(type, "ext4");
        free(type);
        /* sparse: far less allocated than its size */
        uint64_t size, alloc;
        ck_assert_int_eq(record_get_u64(rec, "size", &size), 0);
        ck_assert_int_eq(record_get_u64(rec, "allocated", &alloc), 0);
        ck_assert_uint_lt(alloc, size / 4);
        bl_record_free(rec);
        assert_images(1);
        ck_assert_int_eq(create("base", BL_IMAGE_SOURCE_BUSYBOX, NULL, 0), -EEXIST);
        ck_assert_str_eq(bl_ctx_errmsg(ctx), "image \"base\": already exists");
        ck_assert_int_eq(bl_image_remove(ctx, "base"), 0);
        assert_images(0);
        ck_assert_int_eq(bl_image_remove(ctx, "base"), -ENOENT);
}
END_TEST

START_TEST(test_from_dir_and_too_small)
{
        char *src = strdup_printf("%s/src", root);
        ck_assert_int_eq(mkdir_p(src, 0755), 0);
        char *f = strdup_printf("%s/big", src);
        int fd = open(f, O_WRONLY | O_CREAT, 0644);
        char buf[65536];
        for (size_t i = 0; i < sizeof(buf); i++)
                buf[i] = (char) (i * 7 + 1);
        for (int i = 0; i < 160; i++) /* 10 MiB of data */
                ck_assert_int_eq(write(fd, buf, sizeof(buf)), (int) sizeof(buf));
        close(fd);
        ck_assert_int_eq(create("small", BL_IMAGE_SOURCE_DIR, src, 8u << 20), -ENOSPC);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "does not fit"));
        assert_images(0);
        ck_assert_int_eq(create("fits", BL_IMAGE_SOURCE_DIR, src, 0), 0);
        assert_images(1);
        ctx_begin_call(ctx);
        ck_assert_int_eq(create("nodir", BL_IMAGE_SOURCE_DIR, "/nonexistent-blt", 0), -ENOTDIR);
        assert_images(1);
        free(f);
        free(src);
}
END_TEST

START_TEST(test_from_tar)
{
        char *tar = strdup_printf("%s/rootfs.tar.gz", root);
        struct archive *a = archive_write_new();
        archive_write_add_filter_gzip(a);
        archive_write_set_format_pax_restricted(a);
        ck_assert_int_eq(archive_write_open_filename(a, tar), ARCHIVE_OK);
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, "etc/motd");
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, 6);
        archive_write_header(a, e);
        archive_write_data(a, "hello\n", 6);
        archive_entry_clear(e);
        /* a symlink out of the root, then a write through it */
        archive_entry_set_pathname(e, "etc/evil");
        archive_entry_set_filetype(e, AE_IFLNK);
        archive_entry_set_symlink(e, "/tmp");
        archive_write_header(a, e);
        archive_entry_clear(e);
        archive_entry_set_pathname(e, "etc/evil/planted");
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, 0);
        archive_write_header(a, e);
        archive_entry_clear(e);
        /* a path escape must be refused */
        archive_entry_set_pathname(e, "../escape");
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, 0);
        archive_write_header(a, e);
        archive_entry_free(e);
        archive_write_free(a);
        /* refused on ../escape; the symlink in the way was replaced, never followed */
        ck_assert_int_eq(create("tarred", BL_IMAGE_SOURCE_TAR, tar, 0), -EPERM);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "../escape"));
        ck_assert(!path_exists("/tmp/planted"));
        char *esc = strdup_printf("%s/tmp/escape", root);
        ck_assert(!path_exists(esc));
        assert_images(0);
        free(esc);
        free(tar);
}
END_TEST

START_TEST(test_sparse_copy)
{
        char *src = strdup_printf("%s/sparse.img", root), *dst = strdup_printf("%s/copy.img", root);
        int fd = open(src, O_WRONLY | O_CREAT, 0600);
        ck_assert_int_eq(ftruncate(fd, 1LL << 30), 0);
        char buf[1 << 20];
        memset(buf, 0xab, sizeof(buf));
        for (int i = 0; i < 4; i++)
                ck_assert_int_eq(pwrite(fd, buf, sizeof(buf), (off_t) i * (200LL << 20)), (ssize_t) sizeof(buf));
        close(fd);
        copy_method m;
        ck_assert_int_eq(disk_copy(ctx, src, dst, &m), 0);
        struct stat a, b;
        stat(src, &a);
        stat(dst, &b);
        ck_assert_int_eq(a.st_size, b.st_size);
        /* about the same blocks: holes stayed holes */
        ck_assert_int_le(b.st_blocks, a.st_blocks + 2048);
        char *cmp = strdup_printf("cmp -s %s %s", src, dst);
        ck_assert_int_eq(system(cmp), 0);
        free(cmp);
        /* never over an existing file */
        ctx_begin_call(ctx);
        ck_assert_int_eq(disk_copy(ctx, src, dst, &m), -EEXIST);
        free(src);
        free(dst);
}
END_TEST

START_TEST(test_bad_input)
{
        ck_assert_int_eq(create("a/b", BL_IMAGE_SOURCE_BUSYBOX, NULL, 0), -EINVAL);
        ctx_begin_call(ctx);
        ck_assert_int_eq(create("ok", BL_IMAGE_SOURCE_BUSYBOX, NULL, 1024), -EINVAL);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "4M"));
        bl_image_config *cfg;
        bl_image_config_new(ctx, &cfg);
        ck_assert_int_eq(bl_image_config_set_source(cfg, BL_IMAGE_SOURCE_DIR, NULL), -EINVAL);
        /* past the last source, and a negative one */
        ck_assert_int_eq(bl_image_config_set_source(cfg, (bl_image_source) (BL_IMAGE_SOURCE_EMPTY + 1), NULL), -EINVAL);
        ck_assert_int_eq(bl_image_config_set_source(cfg, (bl_image_source) -1, NULL), -EINVAL);
        ck_assert_int_eq(bl_image_config_set_source(cfg, BL_IMAGE_SOURCE_EMPTY, NULL), 0);
        bl_image_config_add_program(cfg, "relative/prog");
        ctx_begin_call(ctx);
        ck_assert_int_eq(bl_image_create(ctx, "prog", cfg), -ENOENT);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "relative/prog"));
        bl_image_config_free(cfg);
        assert_images(0);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("image");
        TCase *tc = tcase_create("image");
        tcase_set_timeout(tc, 120);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_busybox);
        tcase_add_test(tc, test_from_dir_and_too_small);
        tcase_add_test(tc, test_from_tar);
        tcase_add_test(tc, test_sparse_copy);
        tcase_add_test(tc, test_bad_input);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
