/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The library promises that contexts used by different threads do not
 * disturb each other: digests, copies, sorted listings and usage sums
 * computed at once by several threads must each be right. */
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>

#include "core/record.h"
#include "disk/disk.h"
#include "image/image.h"
#include "unit.h"

#define THREADS 4
#define ROUNDS 50

static char *dir;

struct job {
        int id;
        char file[256], copy_src[256], tree[256];
        char digest[72];
        uint64_t usage;
        bl_ctx *ctx;
        int wrong;
};

/* A file of `len` bytes of a pattern of its own. */
static void make_file(const char *path, size_t len, int seed)
{
        char *buf = malloc(len);
        for (size_t i = 0; i < len; i++)
                buf[i] = (char) (seed * 31 + (int) (i * 7 % 251));
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, buf, len), (ssize_t) len);
        close(fd);
        free(buf);
}

static bool same_files(const char *a, const char *b)
{
        char *x = NULL, *y = NULL;
        size_t lx = 0, ly = 0;
        bool same = read_file(a, &x, &lx) == 0 && read_file(b, &y, &ly) == 0 && lx == ly && memcmp(x, y, lx) == 0;
        free(x);
        free(y);
        return same;
}

/* Records whose order by "k<id>" differs for every id. */
static bl_record_list *make_list(void)
{
        bl_record_list *l = record_list_new();
        for (int i = 0; i < 300; i++) {
                bl_record *r = record_new();
                for (int k = 0; k < THREADS; k++)
                        record_setf(r, (char[]) { 'k', (char) ('0' + k), 0 }, "%06d", (i * (k * 2 + 3) * 7919) % 100003);
                record_list_push(l, r);
        }
        return l;
}

static void *work(void *arg)
{
        struct job *j = arg;
        char key[3] = { 'k', (char) ('0' + j->id), 0 };
        for (int round = 0; round < ROUNDS; round++) {
                char got[72];
                if (digest_file(j->file, got) < 0 || strcmp(got, j->digest) != 0)
                        j->wrong++;
                char *dst = strdup_printf("%s/copy-%d-%d", dir, j->id, round);
                if (disk_copy(j->ctx, j->copy_src, dst, NULL) < 0 || !same_files(j->copy_src, dst))
                        j->wrong++;
                unlink(dst);
                free(dst);
                bl_record_list *l = make_list();
                record_list_sort(l, key);
                for (size_t i = 1; i < bl_record_list_count(l); i++)
                        if (strcmp(bl_record_get(bl_record_list_get(l, i - 1), key), bl_record_get(bl_record_list_get(l, i), key)) > 0) {
                                j->wrong++;
                                break;
                        }
                bl_record_list_free(l);
                if (dir_usage(j->tree) != j->usage)
                        j->wrong++;
        }
        return NULL;
}

START_TEST(test_threads)
{
        dir = make_tmp();
        /* a source on another filesystem than the copies: the read/write path */
        char shm[] = "/dev/shm/blt-unit.XXXXXX";
        ck_assert_ptr_nonnull(mkdtemp(shm));
        struct job jobs[THREADS];
        pthread_t t[THREADS];
        for (int i = 0; i < THREADS; i++) {
                struct job *j = &jobs[i];
                memset(j, 0, sizeof(*j));
                j->id = i;
                snprintf(j->file, sizeof(j->file), "%s/data-%d", dir, i);
                snprintf(j->copy_src, sizeof(j->copy_src), "%s/src-%d", shm, i);
                snprintf(j->tree, sizeof(j->tree), "%s/tree-%d", dir, i);
                make_file(j->file, (size_t) (300000 + 70000 * i), i + 1);
                make_file(j->copy_src, (size_t) (200000 + 50000 * i), i + 7);
                ck_assert_int_eq(digest_file(j->file, j->digest), 0);
                ck_assert_int_eq(mkdir(j->tree, 0755), 0);
                for (int f = 0; f <= i * 3; f++) {
                        char p[300];
                        snprintf(p, sizeof(p), "%s/f%d", j->tree, f);
                        make_file(p, 4096 * (size_t) (f + 1), f);
                }
                j->usage = dir_usage(j->tree);
                ck_assert_int_eq(bl_ctx_new(&j->ctx, dir), 0);
        }
        for (int i = 0; i < THREADS; i++)
                ck_assert_int_eq(pthread_create(&t[i], NULL, work, &jobs[i]), 0);
        int wrong = 0;
        for (int i = 0; i < THREADS; i++) {
                pthread_join(t[i], NULL);
                wrong += jobs[i].wrong;
                bl_ctx_free(jobs[i].ctx);
        }
        char *cmd = strdup_printf("rm -rf %s %s", dir, shm);
        ck_assert_int_eq(system(cmd), 0);
        free(cmd);
        free(dir);
        ck_assert_msg(wrong == 0, "%d of %d results were wrong with %d threads at once", wrong, THREADS * ROUNDS * 4, THREADS);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("threads");
        TCase *tc = tcase_create("threads");
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_threads);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
