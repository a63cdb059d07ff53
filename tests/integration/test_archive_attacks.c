/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Malicious archives and images, made by the tests themselves: each one
 * aims at a host path, and each test asserts the host path is untouched,
 * the import fails with a one-line message or succeeds inside, and the
 * state root is as before. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>

#include "archives.h"
#include "helpers.h"

static char *path_in_root(const char *name)
{
        return strdup_printf("%s/%s", root, name);
}

/* A host file the attack aims at: known content, mode and link count. */
static char *victim_file(const char *tag)
{
        char *p = strdup_printf("/tmp/blt-victim-%s-%d", tag, (int) getpid());
        unlink(p);
        ck_assert_int_eq(write_file_atomic(p, "original\n", 9, 0644), 0);
        ck_assert_int_eq(chmod(p, 0644), 0);
        return p;
}

static void assert_victim_intact(char *p)
{
        struct stat st;
        ck_assert_int_eq(lstat(p, &st), 0);
        char *text = NULL;
        ck_assert_int_eq(read_file(p, &text, NULL), 0);
        ck_assert_msg(strcmp(text, "original\n") == 0, "%s was overwritten: \"%s\"", p, text);
        ck_assert_msg((st.st_mode & 07777) == 0644, "%s: mode changed to %o", p, st.st_mode & 07777);
        ck_assert_msg(st.st_nlink == 1, "%s: a hard link to it was made (%lu links)", p, (unsigned long) st.st_nlink);
        free(text);
        unlink(p);
        free(p);
}

/* An empty host folder the attack aims at. */
static char *victim_dir(const char *tag)
{
        char *p = strdup_printf("/tmp/blt-victim-%s-%d", tag, (int) getpid());
        char *cmd = strdup_printf("rm -rf %s", p);
        ck_assert_int_eq(system(cmd), 0);
        free(cmd);
        ck_assert_int_eq(mkdir(p, 0755), 0);
        ck_assert_int_eq(chmod(p, 0755), 0);
        return p;
}

static void assert_dir_intact(char *p)
{
        struct stat st;
        ck_assert_int_eq(lstat(p, &st), 0);
        ck_assert_msg(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755, "%s: mode changed to %o", p, st.st_mode & 07777);
        DIR *d = opendir(p);
        ck_assert_ptr_nonnull(d);
        struct dirent *de;
        while ((de = readdir(d)))
                ck_assert_msg(!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."), "%s/%s was written on the host", p, de->d_name);
        closedir(d);
        char *cmd = strdup_printf("rm -rf %s", p);
        ck_assert_int_eq(system(cmd), 0);
        free(cmd);
        free(p);
}

/* After an attempt: a refusal is one line; an acceptance is removed; the
 * root keeps no image and no leftover. */
static void settle(int r, const char *image)
{
        if (r < 0) {
                const char *msg = bl_ctx_errmsg(ctx);
                ck_assert_msg(*msg && !strchr(msg, '\n'), "not a one-line error: \"%s\"", msg);
                fprintf(stderr, "refused: %s\n", msg);
        } else {
                fprintf(stderr, "accepted, inside the image\n");
                ck_assert_msg(bl_image_remove(ctx, image) == 0, "%s", bl_ctx_errmsg(ctx));
        }
        bl_record *rec;
        ck_assert_int_eq(bl_image_inspect(ctx, image, &rec), -ENOENT);
        char *cmd = strdup_printf("test -z \"$(ls -A %s/tmp)\"", root);
        ck_assert_msg(system(cmd) == 0, "leftovers in %s/tmp", root);
        free(cmd);
}

static int import_file(const char *name, const char *path, uint64_t size)
{
        bl_image_config *cfg;
        bl_image_config_new(ctx, &cfg);
        if (size)
                bl_image_config_set_size(cfg, size);
        int r = bl_image_import(ctx, name, path, cfg);
        bl_image_config_free(cfg);
        return r;
}

/* `image create --tar layer [-s size] [--copy host:path]…` */
static int create_from_tar(const char *name, const char *layer, uint64_t size, const char *const copies[][2], size_t ncopies)
{
        bl_image_config *cfg;
        bl_image_config_new(ctx, &cfg);
        bl_image_config_set_source(cfg, BL_IMAGE_SOURCE_TAR, layer);
        if (size)
                bl_image_config_set_size(cfg, size);
        for (size_t i = 0; i < ncopies; i++)
                ck_assert_int_eq(bl_image_config_add_copy(cfg, copies[i][0], copies[i][1]), 0);
        int r = bl_image_create(ctx, name, cfg);
        bl_image_config_free(cfg);
        return r;
}

/* A one-layer docker-archive of `e`, imported. */
static int import_layer(const struct tar_ent *e, size_t n)
{
        char *layer = path_in_root("evil-layer.tar"), *arch = path_in_root("evil.tar");
        tar_write(layer, e, n);
        docker_archive_write(arch, layer, NULL, 0);
        int r = import_file("evil", arch, 0);
        unlink(layer);
        unlink(arch);
        free(layer);
        free(arch);
        return r;
}

/* (a) The outer archive: a hardlink entry to a host file, carrying a body. */
START_TEST(test_outer_hardlink_with_body)
{
        char *victim = victim_file("outer");
        char *layer = path_in_root("ok-layer.tar"), *arch = path_in_root("evil.tar");
        const struct tar_ent l[] = { { 'f', "hello", "hi\n", 0, NULL } };
        tar_write(layer, l, 1);
        const struct tar_ent extra[] = {
                { 'h', "blob", victim, 04777, "pwned" },
                { 'h', "l2/layer.tar", victim, 0, "pwned" },
        };
        docker_archive_write(arch, layer, extra, 2);
        ck_assert_msg(tar_has_hardlink_body(arch, "blob", 5), "setup: no hardlink with a body in %s", arch);
        settle(import_file("evil", arch, 0), "evil");
        assert_victim_intact(victim);
        free(layer);
        free(arch);
}
END_TEST

/* (b) A layer: a symlink to a host file, then a hardlink to that symlink
 * with a body and mode 04777; then a file over a symlink. */
START_TEST(test_layer_hardlink_to_symlink)
{
        char *victim = victim_file("layer"), *victim2 = victim_file("layer2");
        const struct tar_ent e[] = {
                { 'l', "evil", victim, 0, NULL },
                { 'h', "evil2", "evil", 04777, "pwned" },
                { 'l', "evil3", victim2, 0, NULL },
                { 'f', "evil3", "pwned", 04777, NULL },
        };
        char *probe = path_in_root("probe.tar");
        tar_write(probe, e, ARRAY_SIZE(e));
        ck_assert_msg(tar_has_hardlink_body(probe, "evil2", 5), "setup: no hardlink with a body");
        free(probe);
        settle(import_layer(e, ARRAY_SIZE(e)), "evil");
        assert_victim_intact(victim);
        assert_victim_intact(victim2);
}
END_TEST

/* (c) etc, usr and var as absolute symlinks to host folders: the image's
 * skeleton (passwd, hosts, /var/tmp…) and --copy files must stay inside. */
START_TEST(test_skeleton_through_symlinks)
{
        char *etc = victim_dir("etc"), *usr = victim_dir("usr"), *var = victim_dir("var");
        const struct tar_ent e[] = {
                { 'l', "etc", etc, 0, NULL }, { 'l', "usr", usr, 0, NULL }, { 'l', "var", var, 0, NULL },
        };
        settle(import_layer(e, ARRAY_SIZE(e)), "evil");
        char *layer = path_in_root("links.tar");
        tar_write(layer, e, ARRAY_SIZE(e));
        const char *const copies[][2] = { { "/etc/hostname", "/etc/blt-copied" }, { "/etc/hostname", "/usr/bin/blt-copied" },
                                          { "/etc/hostname", "/var/tmp/blt-copied" } };
        settle(create_from_tar("evil", layer, 0, copies, ARRAY_SIZE(copies)), "evil");
        /* the same links, with their targets present inside the image: the
         * import and the copies must succeed, inside */
        char *leaf = victim_file("leaf");
        const struct tar_ent in[] = {
                { 'd', "tmp", NULL, 0, NULL }, { 'd', etc + 1, NULL, 0, NULL }, { 'd', usr + 1, NULL, 0, NULL },
                { 'd', var + 1, NULL, 0, NULL }, { 'l', "etc", etc, 0, NULL }, { 'l', "usr", usr, 0, NULL }, { 'l', "var", var, 0, NULL },
                { 'd', "opt", NULL, 0, NULL }, { 'l', "opt/leaf", leaf, 0, NULL },
        };
        /* a copy onto a link of the image replaces the link */
        const char *const copies2[][2] = { { "/etc/hostname", "/etc/blt-copied" }, { "/etc/hostname", "/usr/bin/blt-copied" },
                                           { "/etc/hostname", "/var/tmp/blt-copied" }, { "/etc/hostname", "/opt/leaf" } };
        int r = import_layer(in, ARRAY_SIZE(in));
        ck_assert_msg(r == 0, "%s", bl_ctx_errmsg(ctx));
        settle(r, "evil");
        tar_write(layer, in, ARRAY_SIZE(in));
        r = create_from_tar("evil", layer, 0, copies2, ARRAY_SIZE(copies2));
        ck_assert_msg(r == 0, "%s", bl_ctx_errmsg(ctx));
        settle(r, "evil");
        unlink(layer);
        free(layer);
        assert_dir_intact(etc);
        assert_dir_intact(usr);
        assert_dir_intact(var);
        assert_victim_intact(leaf);
}
END_TEST

/* (d) A whiteout of ".." in image create --tar: the staging folder's
 * parent (the state root's tmp/) must keep its files. */
START_TEST(test_whiteout_dotdot)
{
        char *sentinel = path_in_root("tmp/blt-sentinel");
        ck_assert_int_eq(write_file_atomic(sentinel, "s\n", 2, 0644), 0);
        char *layer = path_in_root("wh.tar");
        const struct tar_ent e[] = { { 'f', ".wh...", "", 0, NULL }, { 'd', "a", NULL, 0, NULL }, { 'f', "a/.wh...", "", 0, NULL },
                                     { 'f', "hello", "hi\n", 0, NULL } };
        tar_write(layer, e, ARRAY_SIZE(e));
        int r = create_from_tar("evil", layer, 0, NULL, 0);
        ck_assert_msg(path_exists(sentinel), "the whiteout emptied %s/tmp", root);
        unlink(sentinel);
        settle(r, "evil");
        /* the same in a docker layer */
        ck_assert_int_eq(write_file_atomic(sentinel, "s\n", 2, 0644), 0);
        r = import_layer(e, ARRAY_SIZE(e));
        ck_assert_msg(path_exists(sentinel), "the whiteout emptied %s/tmp", root);
        unlink(sentinel);
        settle(r, "evil");
        unlink(layer);
        free(layer);
        free(sentinel);
}
END_TEST

/* The disk space a folder's files use, sampled while an import runs. */
static uint64_t walked;
static int walk_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
        (void) p; (void) flag; (void) ftw;
        walked += (uint64_t) st->st_blocks * 512;
        return 0;
}

struct sampler {
        char *dir;
        volatile bool stop;
        uint64_t peak;
};

static void *sample(void *arg)
{
        struct sampler *s = arg;
        for (int i = 0; i < 60000 && !s->stop; i++) {
                walked = 0;
                nftw(s->dir, walk_entry, 16, FTW_PHYS);
                if (walked > s->peak)
                        s->peak = walked;
                nanosleep(&(struct timespec) { 0, 5 * 1000 * 1000 }, NULL);
        }
        return NULL;
}

static int sampled(uint64_t *peak, int (*fn)(const char *, const char *, uint64_t), const char *name, const char *file, uint64_t size)
{
        struct sampler s = { .dir = path_in_root("tmp") };
        pthread_t t;
        ck_assert_int_eq(pthread_create(&t, NULL, sample, &s), 0);
        int r = fn(name, file, size);
        s.stop = true;
        pthread_join(t, NULL);
        free(s.dir);
        *peak = s.peak;
        return r;
}

static int create_tar_sized(const char *name, const char *file, uint64_t size)
{
        return create_from_tar(name, file, size, NULL, 0);
}

#define BOMB (1ull << 30)
#define LIMIT (64ull << 20)

/* (e) A gzip layer of about 1 MB that expands to 1 GiB, with -s 64M. */
START_TEST(test_gzip_bomb)
{
        char *layer = path_in_root("bomb.tar.gz"), *arch = path_in_root("bomb.tar");
        struct archive *a = archive_write_new();
        archive_write_add_filter_gzip(a);
        archive_write_set_format_pax_restricted(a);
        ck_assert_int_eq(archive_write_open_filename(a, layer), ARCHIVE_OK);
        struct archive_entry *ae = archive_entry_new();
        archive_entry_set_pathname(ae, "zeros");
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_perm(ae, 0644);
        archive_entry_set_size(ae, (la_int64_t) BOMB);
        ck_assert_int_eq(archive_write_header(a, ae), ARCHIVE_OK);
        char *zero = calloc(1, 1 << 20);
        for (uint64_t done = 0; done < BOMB; done += 1 << 20)
                ck_assert_int_eq(archive_write_data(a, zero, 1 << 20), 1 << 20);
        free(zero);
        archive_entry_free(ae);
        ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
        archive_write_free(a);
        struct stat st;
        ck_assert_int_eq(stat(layer, &st), 0);
        ck_assert_msg(st.st_size < (4 << 20), "setup: the bomb is %lld bytes", (long long) st.st_size);

        uint64_t peak;
        int r = sampled(&peak, create_tar_sized, "bomb", layer, LIMIT);
        ck_assert_msg(r < 0, "a 1 GiB content was accepted in a 64M image");
        ck_assert_msg(peak <= 2 * LIMIT, "extraction wrote %llu MiB for a 64 MiB image", (unsigned long long) (peak >> 20));
        ck_assert_msg(strstr(bl_ctx_errmsg(ctx), "exceeds"), "%s", bl_ctx_errmsg(ctx));
        settle(r, "bomb");

        docker_archive_write(arch, layer, NULL, 0);
        r = sampled(&peak, import_file, "bomb", arch, LIMIT);
        ck_assert_msg(r < 0, "a 1 GiB content was accepted in a 64M image");
        ck_assert_msg(peak <= 2 * LIMIT + (uint64_t) st.st_size * 2, "import wrote %llu MiB for a 64 MiB image",
                      (unsigned long long) (peak >> 20));
        ck_assert_msg(strstr(bl_ctx_errmsg(ctx), "exceeds"), "%s", bl_ctx_errmsg(ctx));
        settle(r, "bomb");
        unlink(layer);
        unlink(arch);
        free(layer);
        free(arch);
}
END_TEST

/* Many empty files cost no bytes but inodes: -s 4M bounds them too. */
START_TEST(test_inode_bomb)
{
        enum { N = 3000 };
        struct tar_ent *e = calloc(N, sizeof(*e));
        char (*names)[16] = calloc(N, sizeof(*names));
        for (size_t i = 0; i < N; i++) {
                snprintf(names[i], sizeof(names[i]), "f%zu", i);
                e[i] = (struct tar_ent) { 'f', names[i], "", 0, NULL };
        }
        char *layer = path_in_root("inodes.tar");
        tar_write(layer, e, N);
        int r = create_from_tar("inodes", layer, 4 << 20, NULL, 0);
        ck_assert_msg(r < 0, "%d files were accepted in a 4M image", N);
        ck_assert_msg(strstr(bl_ctx_errmsg(ctx), "more than 1024 entries"), "%s", bl_ctx_errmsg(ctx));
        settle(r, "inodes");
        unlink(layer);
        free(layer);
        free(names);
        free(e);
}
END_TEST

/* Hardlinks to host paths, chains of symlinks, a symlinked parent. */
START_TEST(test_links_out)
{
        char *victim = victim_file("hl");
        char *dir = victim_dir("chain");
        char *inside = strdup_printf("s/%s", strrchr(victim, '/') + 1);
        char *up = strdup_printf("real/up%s", dir);
        char *upfile = strdup_printf("%s/blt-up", up);
        const struct tar_ent e[] = {
                { 'h', "abs-link", victim, 0, NULL },
                { 'l', "s", "/tmp", 0, NULL },
                { 'h', "via-symlink", inside, 0, NULL },
                { 'l', "a", "b", 0, NULL },
                { 'l', "b", dir, 0, NULL },
                { 'f', "a/blt-chain", "pwned", 0, NULL },
                { 'd', "real", NULL, 0, NULL },
                { 'l', "real/up", "../../../../../../../..", 0, NULL },
                { 'f', upfile, "pwned", 0, NULL },
                { 'c', "mem", "1:1", 0666, NULL },
        };
        settle(import_layer(e, ARRAY_SIZE(e)), "evil");
        /* group by group: a refusal of the first must not hide the others */
        static const size_t groups[][2] = { { 0, 1 }, { 1, 2 }, { 3, 3 }, { 6, 3 }, { 9, 1 } };
        for (size_t i = 0; i < ARRAY_SIZE(groups); i++)
                settle(import_layer(e + groups[i][0], groups[i][1]), "evil");
        assert_victim_intact(victim);
        assert_dir_intact(dir);
        free(inside);
        free(up);
        free(upfile);
}
END_TEST

/* At start: an image whose /etc/hosts (bound on bridged starts) is an
 * absolute symlink to a host path that does not exist. */
/* Starts `name` bridged on the image "evil" (optionally in a user
 * namespace); the start must not touch `victim` on the host, and the
 * container must see the bridge's hosts file through the image's link. */
static void start_bridged(const char *name, bool userns, const char *victim)
{
        bl_container_config *cfg;
        bl_container_config_new(ctx, &cfg);
        bl_container_config_set_image(cfg, "evil");
        ck_assert_int_eq(bl_container_config_add_network(cfg, "bltabr0", NULL), 0);
        if (userns)
                ck_assert_int_eq(bl_container_config_set_userns(cfg, 1, 300000, 65536), 0);
        char *argv[] = { (char *) "/bin/sh", (char *) "-c", (char *) "readlink /etc/hosts; cat /etc/hosts", NULL };
        bl_container_config_set_entrypoint(cfg, argv);
        ck_assert_int_eq(bl_container_create(ctx, name, cfg), 0);
        bl_container_config_free(cfg);
        int r = bl_container_start(ctx, name, 0, NULL);
        bool made = path_exists(victim);
        unlink(victim);
        ck_assert_msg(!made, "the start of %s created %s on the host", name, victim);
        /* /tmp exists inside: the start succeeds, with the file made there */
        ck_assert_msg(r == 0, "%s", bl_ctx_errmsg(ctx));
        wait_exited(name, 20);
        char *log, *out = NULL;
        bl_container_log_path(ctx, name, &log);
        read_file(log, &out, NULL);
        /* the image's link was there, and the bridge's hosts file is bound where it leads, inside */
        ck_assert_msg(out && strstr(out, victim), "setup: /etc/hosts is not the image's link: %s", out ? out : "(none)");
        ck_assert_msg(strstr(out, "written by baleine for bridge bltabr0"), "%s's /etc/hosts: %s", name, out);
        free(out);
        free(log);
}

START_TEST(test_hosts_symlink_at_start)
{
        char *victim = strdup_printf("/tmp/blt-victim-hosts-%d", (int) getpid());
        unlink(victim);
        const struct tar_ent e[] = {
                { 'd', "bin", NULL, 0, NULL }, { 'F', "bin/busybox", "/bin/busybox", 0755, NULL }, { 'l', "bin/sh", "busybox", 0, NULL },
                { 'l', "bin/cat", "busybox", 0, NULL }, { 'l', "bin/readlink", "busybox", 0, NULL }, { 'd', "etc", NULL, 0, NULL },
                { 'l', "etc/hosts", victim, 0, NULL },
        };
        ck_assert_msg(import_layer(e, ARRAY_SIZE(e)) == 0, "%s", bl_ctx_errmsg(ctx));
        ck_assert_msg(bl_bridge_create(ctx, "bltabr0", "10.81.0.1/24") == 0, "%s", bl_ctx_errmsg(ctx));
        start_bridged("blthosts", false, victim);
        start_bridged("blthostsu", true, victim);
        free(victim);
}
END_TEST

Suite *suite_archive_attacks(void);
Suite *suite_archive_attacks(void)
{
        Suite *s = suite_create("archive-attacks");
        TCase *tc = tcase_create("archives");
        tcase_add_checked_fixture(tc, integ_setup, integ_teardown);
        tcase_set_timeout(tc, 180);
        tcase_add_test(tc, test_outer_hardlink_with_body);
        tcase_add_test(tc, test_layer_hardlink_to_symlink);
        tcase_add_test(tc, test_skeleton_through_symlinks);
        tcase_add_test(tc, test_whiteout_dotdot);
        tcase_add_test(tc, test_gzip_bomb);
        tcase_add_test(tc, test_inode_bomb);
        tcase_add_test(tc, test_links_out);
        suite_add_tcase(s, tc);
        TCase *tn = tcase_create("start");
        tcase_add_checked_fixture(tn, integ_setup_netns, integ_teardown);
        tcase_set_timeout(tn, 120);
        tcase_add_test(tn, test_hosts_symlink_at_start);
        suite_add_tcase(s, tn);
        return s;
}
