/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/wait.h>

#include "core/core.h"
#include "store/store.h"
#include "unit.h"

static bl_ctx *ctx;
static char *root;

static void setup(void)
{
        root = make_tmp();
        ck_assert_int_eq(bl_ctx_new(&ctx, root), 0);
        ck_assert_int_eq(store_init(ctx), 0);
}

static void teardown(void)
{
        rm_rf(root);
        free(root);
        bl_ctx_free(ctx);
}

START_TEST(test_parse_format)
{
        bl_record *rec;
        ck_assert_int_eq(manifest_parse("name: web\nimage: base\npid: 42\nfuture_key: kept: yes\n", &rec), 0);
        ck_assert_str_eq(bl_record_get(rec, "name"), "web");
        ck_assert_str_eq(bl_record_get(rec, "future_key"), "kept: yes");
        char *text;
        ck_assert_int_eq(manifest_format(rec, &text), 0);
        ck_assert_str_eq(text, "name: web\nimage: base\npid: 42\nfuture_key: kept: yes\n");
        free(text);
        ck_assert_int_eq(record_set(rec, "pid", "43"), 0);
        ck_assert_int_eq(record_set(rec, "image", NULL), 0);
        ck_assert_int_eq(manifest_format(rec, &text), 0);
        ck_assert_str_eq(text, "name: web\npid: 43\nfuture_key: kept: yes\n");
        free(text);
        record_set(rec, "bad", "two\nlines");
        ck_assert_int_eq(manifest_format(rec, &text), -EINVAL);
        bl_record_free(rec);
}
END_TEST

START_TEST(test_corrupt)
{
        static const char *const bad[] = {
                "", "name: web", "name: web\npid 42\n", "pid: 1\n", "Name: x\n", "name: x\n: empty\n", "\n",
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                bl_record *rec = NULL;
                ck_assert_msg(manifest_parse(bad[i], &rec) == -EBADMSG, "accepted case %zu", i);
                ck_assert_ptr_null(rec);
        }
}
END_TEST

START_TEST(test_save_load_list)
{
        bl_record *rec = record_new();
        record_set(rec, "name", "b");
        record_set(rec, "size", "10");
        ck_assert_int_eq(manifest_save(ctx, KIND_IMAGES, "b", rec), 0);
        record_set(rec, "name", "a");
        ck_assert_int_eq(manifest_save(ctx, KIND_IMAGES, "a", rec), 0);
        bl_record_free(rec);

        /* a truncated manifest and one whose name disagrees: reported, skipped */
        char *p = store_path(ctx, "manifeste/images/c.manifest");
        ck_assert_int_eq(write_file_atomic(p, "name: c\nsize", 12, 0644), 0);
        free(p);
        p = store_path(ctx, "manifeste/images/d.manifest");
        ck_assert_int_eq(write_file_atomic(p, "name: other\n", 12, 0644), 0);
        free(p);

        bl_record_list *list;
        ck_assert_int_eq(manifest_list(ctx, KIND_IMAGES, &list), 0);
        ck_assert_uint_eq(bl_record_list_count(list), 2);
        ck_assert_str_eq(bl_record_get(bl_record_list_get(list, 0), "name"), "a");
        ck_assert_str_eq(bl_record_get(bl_record_list_get(list, 1), "name"), "b");
        bl_record_list_free(list);

        ctx_begin_call(ctx);
        ck_assert_int_eq(manifest_load(ctx, KIND_IMAGES, "c", &rec), -EBADMSG);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "c.manifest"));
        ctx_begin_call(ctx);
        ck_assert_int_eq(manifest_load(ctx, KIND_IMAGES, "zz", &rec), -ENOENT);
        ck_assert_str_eq(bl_ctx_errmsg(ctx), "image \"zz\": no such image");
        ck_assert_int_eq(manifest_remove(ctx, KIND_IMAGES, "a"), 0);
        ck_assert(!manifest_exists(ctx, KIND_IMAGES, "a"));
}
END_TEST

/* Many processes increment one counter under the lock: none is lost and
 * no reader ever sees a torn manifest. */
START_TEST(test_concurrent_writers)
{
        bl_record *rec = record_new();
        record_set(rec, "name", "counter");
        record_set(rec, "n", "0");
        ck_assert_int_eq(manifest_save(ctx, KIND_CONTAINERS, "counter", rec), 0);
        bl_record_free(rec);
        enum { PROCS = 8, ROUNDS = 40 };
        pid_t pids[PROCS];
        for (int i = 0; i < PROCS; i++) {
                pids[i] = fork();
                if (pids[i] == 0) {
                        for (int k = 0; k < ROUNDS; k++) {
                                int lock = -1;
                                bl_record *r;
                                uint64_t n;
                                if (store_lock(ctx, &lock) < 0 || manifest_load(ctx, KIND_CONTAINERS, "counter", &r) < 0 ||
                                    record_get_u64(r, "n", &n) < 0)
                                        _exit(1);
                                record_setf(r, "n", "%llu", (unsigned long long) n + 1);
                                record_setf(r, "writer", "%d-%d", i, k);
                                if (manifest_save(ctx, KIND_CONTAINERS, "counter", r) < 0)
                                        _exit(1);
                                bl_record_free(r);
                                store_unlock(&lock);
                                /* unlocked reader: the rename makes every read whole */
                                if (manifest_load(ctx, KIND_CONTAINERS, "counter", &r) < 0)
                                        _exit(2);
                                bl_record_free(r);
                        }
                        _exit(0);
                }
        }
        for (int i = 0; i < PROCS; i++) {
                int st;
                waitpid(pids[i], &st, 0);
                ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        }
        ck_assert_int_eq(manifest_load(ctx, KIND_CONTAINERS, "counter", &rec), 0);
        uint64_t n;
        ck_assert_int_eq(record_get_u64(rec, "n", &n), 0);
        ck_assert_uint_eq(n, PROCS * ROUNDS);
        bl_record_free(rec);
}
END_TEST

START_TEST(test_errors_one_line)
{
        ctx_begin_call(ctx);
        ctx_fail(ctx, EINVAL, "first\nsecond");
        ck_assert_str_eq(bl_ctx_errmsg(ctx), "first second");
        /* the deepest message stays; wrapping adds the object */
        ctx_fail(ctx, EIO, "other");
        ck_assert_str_eq(bl_ctx_errmsg(ctx), "first second");
        ctx_fail_wrap(ctx, EIO, "container \"x\"");
        ck_assert_str_eq(bl_ctx_errmsg(ctx), "container \"x\": first second");
}
END_TEST

int main(void)
{
        Suite *s = suite_create("store");
        TCase *tc = tcase_create("store");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_parse_format);
        tcase_add_test(tc, test_corrupt);
        tcase_add_test(tc, test_save_load_list);
        tcase_add_test(tc, test_concurrent_writers);
        tcase_add_test(tc, test_errors_one_line);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
