/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Docker and OCI archives built by the test itself (libarchive), imported,
 * run, attacked and exported back. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "helpers.h"
#include "image/image.h"

struct ent {
        char type;              /* f file, d dir, l symlink, h hardlink, F host file */
        const char *path;
        const char *data;       /* content, link target or host path */
};

static const struct ent base_layer[] = {
        { 'd', "bin", NULL }, { 'F', "bin/busybox", "/bin/busybox" }, { 'l', "bin/sh", "busybox" },
        { 'l', "bin/cat", "busybox" }, { 'l', "bin/ls", "busybox" }, { 'l', "bin/stat", "busybox" },
        { 'l', "bin/echo", "busybox" }, { 'd', "etc", NULL }, { 'f', "etc/motd", "motd of layer 1\n" },
        { 'f', "etc/keep", "kept\n" }, { 'd', "dir", NULL }, { 'f', "dir/a", "a\n" }, { 'f', "dir/b", "b\n" },
        { 'h', "etc/keep-link", "etc/keep" }, { 'l', "etc/motd-link", "/etc/keep" }, { 'd', "work", NULL },
};
static const struct ent top_layer[] = {
        { 'f', "etc/.wh.motd", "" }, { 'd', "dir", NULL }, { 'f', "dir/.wh..wh..opq", "" }, { 'f', "dir/c", "c\n" },
};

static void write_layer(const char *out, bool gz, const struct ent *e, size_t n)
{
        struct archive *a = archive_write_new();
        if (gz)
                archive_write_add_filter_gzip(a);
        archive_write_set_format_pax_restricted(a);
        ck_assert_int_eq(archive_write_open_filename(a, out), ARCHIVE_OK);
        for (size_t i = 0; i < n; i++) {
                struct archive_entry *ae = archive_entry_new();
                archive_entry_set_pathname(ae, e[i].path);
                archive_entry_set_mtime(ae, 1700000000, 0);
                char *content = NULL;
                size_t len = 0;
                switch (e[i].type) {
                case 'd': archive_entry_set_filetype(ae, AE_IFDIR); archive_entry_set_perm(ae, 0755); break;
                case 'l': archive_entry_set_filetype(ae, AE_IFLNK); archive_entry_set_symlink(ae, e[i].data); archive_entry_set_perm(ae, 0777); break;
                case 'h': archive_entry_set_filetype(ae, AE_IFREG); archive_entry_set_hardlink(ae, e[i].data); break;
                case 'F': ck_assert_int_eq(read_file(e[i].data, &content, &len), 0); /* fall through */
                case 'f':
                        archive_entry_set_filetype(ae, AE_IFREG);
                        archive_entry_set_perm(ae, e[i].type == 'F' ? 0755 : 0644);
                        if (!content)
                                len = strlen(e[i].data);
                        archive_entry_set_size(ae, (la_int64_t) len);
                        break;
                }
                ck_assert_int_eq(archive_write_header(a, ae), ARCHIVE_OK);
                if (len)
                        archive_write_data(a, content ? content : e[i].data, len);
                free(content);
                archive_entry_free(ae);
        }
        archive_write_free(a);
}

/* An archive of (name, file or bytes) members. */
struct member {
        const char *name;
        const char *file;
        const char *bytes;
};

static void write_archive(const char *out, const struct member *m, size_t n)
{
        struct archive *a = archive_write_new();
        archive_write_set_format_pax_restricted(a);
        ck_assert_int_eq(archive_write_open_filename(a, out), ARCHIVE_OK);
        for (size_t i = 0; i < n; i++) {
                char *data = NULL;
                size_t len;
                if (m[i].file)
                        ck_assert_int_eq(read_file(m[i].file, &data, &len), 0);
                else
                        len = strlen(m[i].bytes);
                struct archive_entry *ae = archive_entry_new();
                archive_entry_set_pathname(ae, m[i].name);
                archive_entry_set_filetype(ae, AE_IFREG);
                archive_entry_set_perm(ae, 0644);
                archive_entry_set_size(ae, (la_int64_t) len);
                archive_write_header(a, ae);
                archive_write_data(a, data ? data : m[i].bytes, len);
                archive_entry_free(ae);
                free(data);
        }
        archive_write_free(a);
}

static char *tmpfile_in_root(const char *name)
{
        return strdup_printf("%s/%s", root, name);
}

static char *config_json(const char *d1, const char *d2)
{
        return strdup_printf("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/bin\",\"GREETING=hi\"],"
                           "\"Entrypoint\":[\"/bin/sh\",\"-c\"],\"Cmd\":[\"echo $GREETING from $(pwd)\"],\"WorkingDir\":\"/work\","
                           "\"ExposedPorts\":{\"80/tcp\":{}},\"Labels\":{\"made.by\":\"blt\"}},"
                           "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\",\"%s\"]}}", d1, d2);
}

/* A docker-archive of the two layers; `tamper` flips a byte of layer 2
 * after its digest was taken. */
static char *make_docker_archive(const char *file, bool tamper, bool two_images)
{
        char *l1 = tmpfile_in_root("l1.tar.gz"), *l2 = tmpfile_in_root("l2.tar"), *out = tmpfile_in_root(file);
        write_layer(l1, true, base_layer, ARRAY_SIZE(base_layer));
        write_layer(l2, false, top_layer, ARRAY_SIZE(top_layer));
        char d1[72], d2[72], dc[72];
        ck_assert_int_eq(digest_uncompressed(l1, d1), 0);
        ck_assert_int_eq(digest_uncompressed(l2, d2), 0);
        if (tamper) {
                int fd = open(l2, O_RDWR);
                ck_assert_int_eq(pwrite(fd, "X", 1, 600), 1);
                close(fd);
        }
        char *cfg = config_json(d1, d2);
        digest_buffer(cfg, strlen(cfg), dc);
        char cname[80];
        snprintf(cname, sizeof(cname), "%s.json", dc + 7);
        char *man = two_images ? strdup_printf("[{\"Config\":\"%s\",\"RepoTags\":[\"blt/a:1\"],\"Layers\":[\"l1/layer.tar\",\"l2/layer.tar\"]},"
                                             "{\"Config\":\"%s\",\"RepoTags\":[\"blt/b:2\"],\"Layers\":[\"l1/layer.tar\",\"l2/layer.tar\"]}]", cname, cname)
                               : strdup_printf("[{\"Config\":\"%s\",\"RepoTags\":[\"blt/web:1\"],\"Layers\":[\"l1/layer.tar\",\"l2/layer.tar\"]}]", cname);
        struct member m[] = {
                { cname, NULL, cfg }, { "l1/layer.tar", l1, NULL }, { "l2/layer.tar", l2, NULL }, { "manifest.json", NULL, man },
        };
        write_archive(out, m, ARRAY_SIZE(m));
        free(l1);
        free(l2);
        free(cfg);
        free(man);
        return out;
}

static int import(const char *name, const char *path, const char *tag)
{
        bl_image_config *cfg;
        bl_image_config_new(ctx, &cfg);
        bl_image_config_set_tag(cfg, tag);
        int r = bl_image_import(ctx, name, path, cfg);
        bl_image_config_free(cfg);
        return r;
}

static void assert_no_image(const char *name)
{
        bl_record *rec;
        ck_assert_int_eq(bl_image_inspect(ctx, name, &rec), -ENOENT);
        char *cmd = strdup_printf("test -z \"$(ls -A %s/tmp)\"", root);
        ck_assert_msg(system(cmd) == 0, "leftovers in %s/tmp", root);
        free(cmd);
}

/* Runs a command in the image; its output. */
static char *run_in(const char *image, const char *name, const char *script)
{
        bl_container_config *cfg;
        bl_container_config_new(ctx, &cfg);
        bl_container_config_set_image(cfg, image);
        if (script) {
                char *ep[] = { (char *) "/bin/sh", NULL };
                char *argv[] = { (char *) "-c", (char *) script, NULL };
                bl_container_config_set_entrypoint(cfg, ep);
                bl_container_config_set_argv(cfg, argv);
        }
        ck_assert_int_eq(bl_container_create(ctx, name, cfg), 0);
        bl_container_config_free(cfg);
        ck_assert_msg(bl_container_start(ctx, name, 0, NULL) == 0, "%s", bl_ctx_errmsg(ctx));
        wait_exited(name, 20);
        char *log, *out = NULL;
        bl_container_log_path(ctx, name, &log);
        read_file(log, &out, NULL);
        free(log);
        return out ? out : strdup("");
}

START_TEST(test_docker_archive)
{
        char *arch = make_docker_archive("img.tar", false, false);
        ck_assert_msg(import("web", arch, NULL) == 0, "%s", bl_ctx_errmsg(ctx));
        bl_record *rec;
        ck_assert_int_eq(bl_image_inspect(ctx, "web", &rec), 0);
        ck_assert_str_eq(bl_record_get(rec, "tag"), "blt/web:1");
        ck_assert_str_eq(bl_record_get(rec, "workdir"), "/work");
        /* one list encoding for every list of the manifest: no escaped slash */
        ck_assert_str_eq(bl_record_get(rec, "exposed_ports"), "[\"80/tcp\"]");
        bl_record_free(rec);
        /* the image's entrypoint + cmd, env and workdir, as Docker runs them */
        char *out = run_in("web", "bltimp", NULL);
        ck_assert_str_eq(out, "hi from /work\n");
        free(out);
        out = run_in("web", "bltfiles", "ls /dir; test -e /etc/motd || echo motd-deleted; cat /etc/keep-link;"
                                         "test $(stat -c %i /etc/keep) = $(stat -c %i /etc/keep-link) && echo hardlinked;"
                                         "cat /etc/motd-link");
        ck_assert_str_eq(out, "c\nmotd-deleted\nkept\nhardlinked\nkept\n");
        free(out);
        free(arch);
}
END_TEST

START_TEST(test_oci_layout_and_archive)
{
        char *l1 = tmpfile_in_root("o1.tar.gz"), *l2 = tmpfile_in_root("o2.tar");
        write_layer(l1, true, base_layer, ARRAY_SIZE(base_layer));
        write_layer(l2, false, top_layer, ARRAY_SIZE(top_layer));
        char d1[72], d2[72], b1[72], b2[72], dc[72], dm[72];
        digest_uncompressed(l1, d1);
        digest_uncompressed(l2, d2);
        digest_file(l1, b1);
        digest_file(l2, b2);
        char *cfg = config_json(d1, d2);
        digest_buffer(cfg, strlen(cfg), dc);
        char *man = strdup_printf("{\"schemaVersion\":2,\"config\":{\"digest\":\"%s\",\"size\":%zu},\"layers\":["
                                "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"%s\"},"
                                "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\"}]}",
                                dc, strlen(cfg), b1, b2);
        digest_buffer(man, strlen(man), dm);
        char *index = strdup_printf("{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"%s\",\"annotations\":"
                                  "{\"org.opencontainers.image.ref.name\":\"blt/oci:3\"}}]}", dm);
        char n1[100], n2[100], nc[100], nm[100];
        snprintf(n1, sizeof(n1), "blobs/sha256/%s", b1 + 7);
        snprintf(n2, sizeof(n2), "blobs/sha256/%s", b2 + 7);
        snprintf(nc, sizeof(nc), "blobs/sha256/%s", dc + 7);
        snprintf(nm, sizeof(nm), "blobs/sha256/%s", dm + 7);
        struct member m[] = {
                { "oci-layout", NULL, "{\"imageLayoutVersion\":\"1.0.0\"}" }, { n1, l1, NULL }, { n2, l2, NULL },
                { nc, NULL, cfg }, { nm, NULL, man }, { "index.json", NULL, index },
        };
        char *arch = tmpfile_in_root("oci.tar");
        write_archive(arch, m, ARRAY_SIZE(m));
        ck_assert_msg(import("ociarch", arch, NULL) == 0, "%s", bl_ctx_errmsg(ctx));
        /* the same as a layout folder */
        char *dir = tmpfile_in_root("layout"), *cmd = strdup_printf("mkdir %s && tar -C %s -xf %s", dir, dir, arch);
        ck_assert_int_eq(system(cmd), 0);
        ck_assert_msg(import("ocidir", dir, "oci:3") == 0, "%s", bl_ctx_errmsg(ctx));
        char *out = run_in("ocidir", "bltoci", NULL);
        ck_assert_str_eq(out, "hi from /work\n");
        free(out);
        /* a changed blob is refused */
        char *blob = strdup_printf("%s/%s", dir, n2);
        int fd = open(blob, O_RDWR);
        ck_assert_int_eq(pwrite(fd, "Y", 1, 700), 1);
        close(fd);
        ck_assert_int_eq(import("tampered", dir, NULL), -EBADMSG);
        ck_assert_msg(strstr(bl_ctx_errmsg(ctx), "layer 2") && strstr(bl_ctx_errmsg(ctx), "tampered"), "%s", bl_ctx_errmsg(ctx));
        assert_no_image("tampered");
        free(blob);
        free(cmd);
        free(dir);
        free(arch);
        free(cfg);
        free(man);
        free(index);
        free(l1);
        free(l2);
}
END_TEST

START_TEST(test_multi_and_tampered)
{
        char *multi = make_docker_archive("multi.tar", false, true);
        ck_assert_int_eq(import("multi", multi, NULL), -EINVAL);
        ck_assert_msg(strstr(bl_ctx_errmsg(ctx), "blt/a:1") && strstr(bl_ctx_errmsg(ctx), "blt/b:2"), "%s", bl_ctx_errmsg(ctx));
        assert_no_image("multi");
        ck_assert_int_eq(import("multi", multi, "blt/c:3"), -ENOENT);
        ck_assert_int_eq(import("multi", multi, "blt/b:2"), 0);
        char *bad = make_docker_archive("bad.tar", true, false);
        ck_assert_int_eq(import("bad", bad, NULL), -EBADMSG);
        ck_assert_msg(strstr(bl_ctx_errmsg(ctx), "layer 2") && strstr(bl_ctx_errmsg(ctx), "tampered"), "%s", bl_ctx_errmsg(ctx));
        assert_no_image("bad");
        free(multi);
        free(bad);
}
END_TEST

/* One layer holding `e`, in a docker-archive; import must refuse it (or,
 * with `contained`, may accept it as long as it stayed inside). */
static void attack(const struct ent *e, size_t n, const char *what, bool contained)
{
        char *l = tmpfile_in_root("evil.tar"), *arch = tmpfile_in_root("evil-img.tar");
        write_layer(l, false, e, n);
        char d[72];
        digest_uncompressed(l, d);
        char *cfg = strdup_printf("{\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}", d);
        struct member m[] = {
                { "c.json", NULL, cfg }, { "l/layer.tar", l, NULL },
                { "manifest.json", NULL, "[{\"Config\":\"c.json\",\"RepoTags\":[\"evil:1\"],\"Layers\":[\"l/layer.tar\"]}]" },
        };
        write_archive(arch, m, ARRAY_SIZE(m));
        int r = import("evil", arch, NULL);
        if (contained && r == 0)
                ck_assert_int_eq(bl_image_remove(ctx, "evil"), 0);
        else
                ck_assert_msg(r < 0, "%s was accepted", what);
        assert_no_image("evil");
        free(cfg);
        free(l);
        free(arch);
}

START_TEST(test_escapes)
{
        char *planted = strdup_printf("/tmp/blt-planted-%d", (int) getpid());
        const struct ent dotdot[] = { { 'f', "../../../../../../tmp/blt-escape", "x" } };
        attack(dotdot, 1, "../", false);
        ck_assert(!path_exists("/tmp/blt-escape"));
        const struct ent abs[] = { { 'f', "/tmp/blt-escape", "x" } };
        attack(abs, 1, "an absolute path", false);
        ck_assert(!path_exists("/tmp/blt-escape"));
        char sym_then_write[128];
        snprintf(sym_then_write, sizeof(sym_then_write), "etc/%s", strrchr(planted, '/') + 1);
        const struct ent through2[] = { { 'l', "etc", "/tmp" }, { 'f', sym_then_write, "x" } };
        /* libarchive replaces the symlink by a folder: the file stays inside */
        attack(through2, 2, "a write through a symlink", true);
        ck_assert_msg(!path_exists(planted), "%s was written on the host", planted);
        const struct ent hl[] = { { 'h', "passwd", "../../../../etc/passwd" } };
        attack(hl, 1, "a hardlink out of the root", false);
        free(planted);
}
END_TEST

START_TEST(test_round_trip)
{
        char *arch = make_docker_archive("rt.tar", false, false);
        ck_assert_int_eq(import("orig", arch, NULL), 0);
        static const char *const formats[] = { "docker", "oci" };
        for (int f = 0; f < 2; f++) {
                char *out = strdup_printf("%s/export-%s.tar", root, formats[f]);
                ck_assert_msg(bl_image_export(ctx, "orig", out, "blt/rt:9", f ? BL_EXPORT_OCI_ARCHIVE : BL_EXPORT_DOCKER_ARCHIVE) == 0, "%s", bl_ctx_errmsg(ctx));
                char name[32];
                snprintf(name, sizeof(name), "back-%s", formats[f]);
                ck_assert_msg(import(name, out, NULL) == 0, "%s", bl_ctx_errmsg(ctx));
                bl_record *a, *b;
                bl_image_inspect(ctx, "orig", &a);
                bl_image_inspect(ctx, name, &b);
                static const char *const keys[] = { "entrypoint", "cmd", "env", "workdir", "exposed_ports", "labels" };
                for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
                        ck_assert_msg(bl_record_get(b, keys[k]) && !strcmp(bl_record_get(a, keys[k]), bl_record_get(b, keys[k])),
                                      "%s: %s vs %s", keys[k], bl_record_get(a, keys[k]), bl_record_get(b, keys[k]));
                ck_assert_str_eq(bl_record_get(b, "tag"), f ? "blt/rt:9" : "blt/rt:9");
                bl_record_free(a);
                bl_record_free(b);
                char c1[32], c2[32];
                snprintf(c1, sizeof(c1), "blt-o%d", f);
                snprintf(c2, sizeof(c2), "blt-b%d", f);
                const char *list = "find / -xdev | grep -v -e '^/proc' -e '^/sys' -e '^/dev' -e '^/etc/hosts' | sort | md5sum; cat /dir/c";
                char *o1 = run_in("orig", c1, list), *o2 = run_in(name, c2, list);
                ck_assert_str_eq(o1, o2);
                free(o1);
                free(o2);
                free(out);
        }
        if (system("command -v podman >/dev/null 2>&1") != 0) {
                fprintf(stderr, "skip: podman is not installed: exported archives not loaded into podman\n");
                free(arch);
                return;
        }
        /* podman loads what baleine exports, and baleine imports what podman saves */
        char *cmd = strdup_printf("podman load -q -i %s/export-docker.tar >/dev/null 2>&1 && podman image exists blt/rt:9 && "
                                "tar -C %s/back-tree -cf %s/tree.tar . && podman import -q %s/tree.tar blt/podman-made:1 >/dev/null && "
                                "podman save -q --format docker-archive -o %s/podman-save.tar blt/podman-made:1 >/dev/null 2>&1",
                                root, root, root, root, root);
        char *tree = strdup_printf("mkdir -p %s/back-tree/bin && cp /bin/busybox %s/back-tree/bin/ && ln -s busybox %s/back-tree/bin/cat && "
                                 "ln -s busybox %s/back-tree/bin/sh && echo podman-made > %s/back-tree/hello", root, root, root, root, root);
        ck_assert_int_eq(system(tree), 0);
        int r = system(cmd);
        ck_assert_msg(r == 0, "podman load, import or save failed");
        char *saved = strdup_printf("%s/podman-save.tar", root);
        ck_assert_msg(import("frompodman", saved, NULL) == 0, "%s", bl_ctx_errmsg(ctx));
        char *out = run_in("frompodman", "blt-podman", "/bin/cat /hello");
        ck_assert_str_eq(out, "podman-made\n");
        free(out);
        free(tree);
        system("podman rmi -f blt/podman-made:1 >/dev/null 2>&1");
        ck_assert_int_eq(system("podman rmi -f blt/rt:9 >/dev/null 2>&1"), 0);
        free(saved);
        free(cmd);
        free(arch);
}
END_TEST

Suite *suite_images(void);
Suite *suite_images(void)
{
        Suite *s = suite_create("images");
        TCase *tc = tcase_create("images");
        tcase_add_checked_fixture(tc, integ_setup, integ_teardown);
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_docker_archive);
        tcase_add_test(tc, test_oci_layout_and_archive);
        tcase_add_test(tc, test_multi_and_tampered);
        tcase_add_test(tc, test_escapes);
        tcase_add_test(tc, test_round_trip);
        suite_add_tcase(s, tc);
        return s;
}
