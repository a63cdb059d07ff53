/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Paths resolved beneath a root: symlinks, "..", absolute links and magic
 * links never lead out of it. */
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "core/resolve.h"
#include "unit.h"

static char *outside, *rootdir;
static int rootfd;

static void setup(void)
{
        outside = make_tmp();
        rootdir = strdup_printf("%s/root", outside);
        ck_assert_int_eq(mkdir(rootdir, 0755), 0);
        rootfd = open(rootdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(rootfd, 0);
        /* a file outside the root, and links inside that aim at it */
        char *secret = strdup_printf("%s/secret", outside);
        ck_assert_int_eq(write_file_atomic(secret, "host\n", 5, 0600), 0);
        ck_assert_int_eq(symlinkat(secret, rootfd, "abs"), 0);
        ck_assert_int_eq(symlinkat("../secret", rootfd, "rel"), 0);
        ck_assert_int_eq(symlinkat(outside, rootfd, "absdir"), 0);
        ck_assert_int_eq(symlinkat("../../../../..", rootfd, "up"), 0);
        ck_assert_int_eq(symlinkat("chain2", rootfd, "chain1"), 0);
        ck_assert_int_eq(symlinkat("absdir", rootfd, "chain2"), 0);
        ck_assert_int_eq(symlinkat("/proc/self/root", rootfd, "magic"), 0);
        free(secret);
}

static void teardown(void)
{
        close(rootfd);
        rm_rf(outside);
        free(outside);
        free(rootdir);
}

/* The file `path` beneath the root opens, if at all, on something inside. */
static void assert_inside(const char *path)
{
        int fd = open_in_root(rootfd, path, O_RDONLY, 0);
        if (fd < 0)
                return;
        char *text = NULL;
        char proc[64];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        read_file(proc, &text, NULL);
        ck_assert_msg(!text || strcmp(text, "host\n") != 0, "%s read the host's file", path);
        free(text);
        close(fd);
}

START_TEST(test_clean)
{
        static const struct { const char *in, *out; } cases[] = {
                { "./a//b/", "a/b" }, { "a/./b", "a/b" }, { ".", "" }, { "", "" }, { "a..b/..c", "a..b/..c" },
                { "/etc/passwd", NULL }, { "..", NULL }, { "a/../b", NULL }, { "a/..", NULL }, { "../a", NULL },
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                char *got = path_clean(cases[i].in);
                if (cases[i].out)
                        ck_assert_msg(got && strcmp(got, cases[i].out) == 0, "%s -> %s", cases[i].in, got ? got : "NULL");
                else
                        ck_assert_msg(!got, "%s was accepted as %s", cases[i].in, got);
                free(got);
        }
}
END_TEST

START_TEST(test_links_stay_inside)
{
        static const char *const paths[] = { "abs", "rel", "absdir/secret", "up/secret", "../secret", "/../secret",
                                             "chain1/secret", "up/up/up/secret" };
        for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
                assert_inside(paths[i]);
        /* an absolute link resolves inside: the root's own copy is what opens */
        char *inner = strdup_printf("%s%s", rootdir, outside);
        char *cmd = strdup_printf("mkdir -p %s && echo inner > %s/secret", inner, inner);
        ck_assert_int_eq(system(cmd), 0);
        int fd = open_in_root(rootfd, "absdir/secret", O_RDONLY, 0);
        ck_assert_int_ge(fd, 0);
        char buf[16] = "";
        ck_assert_int_eq(read(fd, buf, sizeof(buf) - 1), 6);
        ck_assert_str_eq(buf, "inner\n");
        close(fd);
        free(cmd);
        free(inner);
}
END_TEST

START_TEST(test_magic_links)
{
        /* with "/" as the root, /proc's magic links are refused */
        int slash = open("/", O_RDONLY | O_DIRECTORY);
        char path[64];
        snprintf(path, sizeof(path), "proc/self/fd/%d/etc", rootfd);
        ck_assert_int_eq(open_in_root(slash, "proc/self/root/etc", O_RDONLY | O_DIRECTORY, 0), -ELOOP);
        ck_assert_int_eq(open_in_root(slash, path, O_PATH, 0), -ELOOP);
        close(slash);
        /* inside a root, /proc/self/root is only a name */
        ck_assert_int_lt(open_in_root(rootfd, "magic/etc", O_RDONLY | O_DIRECTORY, 0), 0);
}
END_TEST

START_TEST(test_mkdir_and_parent)
{
        /* through a link to nowhere inside: refused, nothing made */
        ck_assert_int_eq(mkdir_in_root(rootfd, "absdir/made", 0755), -ENOTDIR);
        /* through a link whose target is inside: made there, never in the host's folder */
        char *target = strdup_printf("mkdir -p %s%s", rootdir, outside);
        ck_assert_int_eq(system(target), 0);
        free(target);
        int fd = mkdir_in_root(rootfd, "absdir/made/deeper", 0755);
        ck_assert_int_ge(fd, 0);
        close(fd);
        char *host = strdup_printf("%s/made", outside), *inner = strdup_printf("%s%s/made/deeper", rootdir, outside);
        ck_assert_msg(!path_exists(host), "%s was made on the host", host);
        ck_assert_msg(path_exists(inner), "%s is missing", inner);
        /* a dangling link is not a folder */
        ck_assert_int_eq(symlinkat("/nowhere", rootfd, "dangling"), 0);
        ck_assert_int_eq(mkdir_in_root(rootfd, "dangling/x", 0755), -ENOTDIR);
        ck_assert_int_eq(mkdir_in_root(rootfd, "../x", 0755), -EPERM);
        const char *base;
        fd = open_parent_in_root(rootfd, "up/file", true, &base);
        ck_assert_int_ge(fd, 0);
        ck_assert_str_eq(base, "file");
        /* "up" resolves to the root itself */
        struct stat a, b;
        fstat(fd, &a);
        fstat(rootfd, &b);
        ck_assert(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
        close(fd);
        ck_assert_int_eq(open_parent_in_root(rootfd, "a/..", true, &base), -EINVAL);
        /* remove_beneath removes a link, not what it points to */
        ck_assert_int_eq(remove_beneath(rootfd, "absdir"), 0);
        ck_assert(path_exists(outside));
        ck_assert_int_eq(remove_beneath(rootfd, ".."), -EINVAL);
        free(host);
        free(inner);
}
END_TEST

/* A tree deeper than PATH_MAX and than the descriptor limit goes, with
 * what it holds (a link to the host's file is removed, not followed). */
START_TEST(test_remove_deep)
{
        int fd = open_in_root(rootfd, "", O_RDONLY | O_DIRECTORY, 0);
        ck_assert_int_ge(fd, 0);
        for (int i = 0; i < 3000; i++) {
                ck_assert_int_eq(mkdirat(fd, "aaaa", 0755), 0);
                int next = openat(fd, "aaaa", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                ck_assert_int_ge(next, 0);
                if (i % 500 == 0) {
                        ck_assert_int_eq(symlinkat(outside, next, "host"), 0);
                        ck_assert_int_eq(mkdirat(next, "side", 0755), 0);
                }
                close(fd);
                fd = next;
        }
        close(fd);
        /* fewer descriptors than levels: one per level cannot do it */
        struct rlimit lim;
        ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &lim), 0);
        lim.rlim_cur = 256; /* the soft limit only: valgrind keeps the hard one */
        ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &lim), 0);
        ck_assert_int_eq(remove_beneath(rootfd, "aaaa"), 0);
        ck_assert_int_eq(faccessat(rootfd, "aaaa", F_OK, AT_SYMLINK_NOFOLLOW), -1);
        char *secret = strdup_printf("%s/secret", outside);
        ck_assert(path_exists(secret));
        free(secret);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("resolve");
        TCase *tc = tcase_create("resolve");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_clean);
        tcase_add_test(tc, test_links_stay_inside);
        tcase_add_test(tc, test_magic_links);
        tcase_add_test(tc, test_mkdir_and_parent);
        tcase_add_test(tc, test_remove_deep);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
