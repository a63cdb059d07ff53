/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Registry references (hostile text from the command line and from
 * servers), base64 and the auth files docker and podman share. */
#include <stdlib.h>

#include "image/registry/registry.h"
#include "unit.h"

static bl_ctx *ctx;
static char *tmp;

static void setup(void)
{
        tmp = make_tmp();
        ck_assert_int_eq(bl_ctx_new(&ctx, tmp), 0);
}

static void teardown(void)
{
        bl_ctx_free(ctx);
        rm_rf(tmp);
        free(tmp);
}

static void check_ref(const char *text, const char *registry, const char *repo, const char *tag, const char *digest, bool expanded)
{
        struct reference r;
        ck_assert_msg(reference_parse(ctx, text, &r) == 0, "%s: %s", text, bl_ctx_errmsg(ctx));
        ck_assert_str_eq(r.registry, registry);
        ck_assert_str_eq(r.repository, repo);
        if (tag)
                ck_assert_str_eq(r.tag, tag);
        else
                ck_assert_ptr_null(r.tag);
        if (digest)
                ck_assert_str_eq(r.digest, digest);
        else
                ck_assert_ptr_null(r.digest);
        ck_assert_int_eq(r.expanded, expanded);
        reference_free(&r);
}

#define D "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

START_TEST(test_references)
{
        check_ref("busybox", "registry-1.docker.io", "library/busybox", "latest", NULL, true);
        check_ref("busybox:1.36", "registry-1.docker.io", "library/busybox", "1.36", NULL, true);
        check_ref("docker.io/me/app", "registry-1.docker.io", "me/app", "latest", NULL, false);
        check_ref("127.0.0.1:5000/fx/base:oci", "127.0.0.1:5000", "fx/base", "oci", NULL, false);
        check_ref("localhost/x", "localhost", "x", "latest", NULL, false);
        check_ref("reg.example/a/b/c@" D, "reg.example", "a/b/c", NULL, D, false);
        check_ref("reg.example:443/a:v1@" D, "reg.example:443", "a", "v1", D, false);
}
END_TEST

START_TEST(test_bad_references)
{
        const char *bad[] = { "", "UPPER", "a//b", "/a", "a/", "127.0.0.1:5000/../x", "r.io/a:", "r.io/a:t/g",
                              "r.io/a@sha256:12", "r.io/a@md5:0123", "r.io/a b", "r.io/a?x=1", "r.io/a#f", "r.io/a:t\r\n" };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct reference r;
                ck_assert_msg(reference_parse(ctx, bad[i], &r) < 0, "\"%s\" was accepted", bad[i]);
        }
}
END_TEST

START_TEST(test_base64)
{
        const char *in[] = { "", "f", "fo", "foo", "user:pa:ss", "\xff\x01" };
        for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
                char *e = base64_encode(in[i], strlen(in[i]));
                size_t n;
                char *d = base64_decode(e, &n);
                ck_assert_uint_eq(n, strlen(in[i]));
                ck_assert_mem_eq(d, in[i], n);
                free(e);
                free(d);
        }
        char *e = base64_encode("user:pass", 9);
        ck_assert_str_eq(e, "dXNlcjpwYXNz");
        free(e);
        ck_assert_ptr_null(base64_decode("a*b", NULL));
}
END_TEST

START_TEST(test_auth_file)
{
        char *dir = make_tmp(), *file = strdup_printf("%s/auth.json", dir);
        const char *text = "{\"auths\":{\"r.io:5000\":{\"auth\":\"dXNlcjpwYXNz\"},\"bad.io\":{\"auth\":\"bm9jb2xvbg==\"},"
                           "\"https://index.docker.io/v1/\":{\"auth\":\"aHViOnNlY3JldA==\"},\"num.io\":{\"auth\":5}}}";
        ck_assert_int_eq(write_file_atomic(file, text, strlen(text), 0600), 0);
        setenv("REGISTRY_AUTH_FILE", file, 1);
        setenv("HOME", dir, 1);
        unsetenv("XDG_RUNTIME_DIR");
        char *c = auth_lookup("r.io:5000");
        ck_assert_str_eq(c, "user:pass");
        free(c);
        c = auth_lookup("docker.io");
        ck_assert_str_eq(c, "hub:secret");
        free(c);
        ck_assert_ptr_null(auth_lookup("bad.io"));      /* no ':' in it */
        ck_assert_ptr_null(auth_lookup("num.io"));      /* not a string */
        ck_assert_ptr_null(auth_lookup("other.io"));
        char *p = auth_file_path();
        ck_assert_str_eq(p, file);
        free(p);
        unsetenv("REGISTRY_AUTH_FILE");
        p = auth_file_path();
        char *want = strdup_printf("%s/.docker/config.json", dir);
        ck_assert_str_eq(p, want);
        free(p);
        free(want);
        free(file);
        rm_rf(dir);
        free(dir);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("registry");
        TCase *tc = tcase_create("registry");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_references);
        tcase_add_test(tc, test_bad_references);
        tcase_add_test(tc, test_base64);
        tcase_add_test(tc, test_auth_file);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
