/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The chaos suite: rounds of 12 concurrent CLIs (create, start, stop, restart,
 * remove, list, check) over a fixed set of names, some killed with SIGKILL
 * at random moments; after every round the kernel and the store must agree.
 * Bounded: BLT_CHAOS_SECONDS (default 120) of rounds.
 */
#include <dirent.h>
#include <net/if.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include "helpers.h"
#include "container/container.h"

#define NAMES 6
#define CLIS 12

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static const char *pick_name(unsigned *seed)
{
        static char names[NAMES][16];
        int i = (int) (rand_r(seed) % NAMES);
        snprintf(names[i], sizeof(names[i]), "bltx%d", i);
        return names[i];
}

/* One CLI with a random verb; its pid. */
static pid_t spawn_random(unsigned *seed)
{
        const char *name = pick_name(seed);
        char *create[] = { (char *) "container", (char *) "create", (char *) "-i", (char *) "base", (char *) "-c", (char *) name,
                           (char *) "-b", (char *) "bltxbr", (char *) "-p", (char *) "sleep", (char *) "1000", NULL };
        char *start[] = { (char *) "container", (char *) "start", (char *) name, NULL };
        char *stop[] = { (char *) "container", (char *) "stop", (char *) "-t", (char *) "1", (char *) name, NULL };
        char *restart[] = { (char *) "container", (char *) "restart", (char *) "-t", (char *) "1", (char *) name, NULL };
        char *rmf[] = { (char *) "container", (char *) "remove", (char *) "--force", (char *) name, NULL };
        char *rm[] = { (char *) "container", (char *) "remove", (char *) name, NULL };
        char *list[] = { (char *) "container", (char *) "list", (char *) "--all", NULL };
        char *check[] = { (char *) "check", NULL };
        char **verbs[] = { create, create, start, start, stop, restart, rmf, rm, list, check };
        return cli_spawn(NULL, NULL, verbs[rand_r(seed) % ARRAY_SIZE(verbs)]);
}

static bool pid_in(const char *procs, long pid)
{
        for (const char *p = procs; p && *p;) {
                char *end;
                long v = strtol(p, &end, 10);
                if (end == p)
                        break;
                if (v == pid)
                        return true;
                p = end;
                while (*p == '\n')
                        p++;
        }
        return false;
}

/* Processes of a cgroup that are a pid namespace's init (NSpid ends in 1). */
static int inits_in(const char *procs)
{
        int n = 0;
        for (const char *p = procs; p && *p;) {
                char *end;
                long v = strtol(p, &end, 10);
                if (end == p)
                        break;
                char path[64];
                snprintf(path, sizeof(path), "/proc/%ld/status", v);
                char *st = NULL;
                if (read_file(path, &st, NULL) == 0) {
                        char *ns = strstr(st, "NSpid:");
                        char *nl = ns ? strchr(ns, '\n') : NULL;
                        if (nl && nl - ns > 2 && nl[-1] == '1' && (nl[-2] == ' ' || nl[-2] == '\t'))
                                n++;
                }
                free(st);
                p = end;
                while (*p == '\n')
                        p++;
        }
        return n;
}

/* "PID STATE" of each process of a cgroup, for a failure's message. */
static char *describe(const char *procs)
{
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        for (const char *p = procs; f && p && *p;) {
                char *end;
                long v = strtol(p, &end, 10);
                if (end == p)
                        break;
                char path[64], *st = NULL;
                snprintf(path, sizeof(path), "/proc/%ld/stat", v);
                const char *state = "?";
                if (read_file(path, &st, NULL) == 0 && strrchr(st, ')'))
                        state = strrchr(st, ')') + 2;
                fprintf(f, "[%ld %.1s] ", v, state);
                free(st);
                p = end;
                while (*p == '\n')
                        p++;
        }
        if (f)
                fclose(f);
        return out;
}

/* The invariants; the number of runs.  `healed`: a check ran since the round (so a start or
 * create killed halfway has been undone). */
static int assert_invariants(bool healed, int round)
{
        const char *id = store_root_id(ctx);
        char suffix[16];
        snprintf(suffix, sizeof(suffix), "@%s", id);
        bl_record_list *list;
        ck_assert_int_eq(manifest_list(ctx, KIND_CONTAINERS, &list), 0);
        /* every live init (a populated cgroup of this root) has one
         * manifest that says running and names it, and its disk */
        DIR *d = opendir("/sys/fs/cgroup/pids/baleine");
        struct dirent *de;
        int live = 0;
        while (d && (de = readdir(d))) {
                size_t n = strlen(de->d_name), sl = strlen(suffix);
                if (n <= sl || strcmp(de->d_name + n - sl, suffix) != 0)
                        continue;
                char *name = strndup(de->d_name, n - sl);
                char *procs_path = strdup_printf("/sys/fs/cgroup/pids/baleine/%s/cgroup.procs", de->d_name), *procs = NULL;
                ck_assert_int_eq(read_file(procs_path, &procs, NULL), 0);
                if (*procs) {
                        live++;
                        char *disk = strdup_printf("%s/containers/%s/rootfs.img", root, name);
                        ck_assert_msg(path_exists(disk), "round %d: %s runs but its disk is gone", round, name);
                        free(disk);
                        ck_assert_msg(inits_in(procs) <= 1, "round %d: %s: two inits in one cgroup", round, name);
                        const bl_record *m = NULL;
                        for (size_t i = 0; i < bl_record_list_count(list); i++)
                                if (strcmp(bl_record_get(bl_record_list_get(list, i), "name"), name) == 0)
                                        m = bl_record_list_get(list, i);
                        ck_assert_msg(m, "round %d: %s runs (cgroup populated) without a manifest", round, name);
                        if (healed && inits_in(procs) == 1 && strcmp(bl_record_get(m, "state"), "running") != 0) {
                                /* what check did to it, for the failure's message */
                                char *cmd = strdup_printf("grep ' %s' %s/check.log | tail -n 8 >&2; cat %s/containers/%s/manifest.copy >&2", name, root,
                                                        root, name);
                                if (system(cmd) < 0)
                                        perror("system");
                                free(cmd);
                        }
                        if (healed && inits_in(procs) == 1) {
                                ck_assert_msg(strcmp(bl_record_get(m, "state"), "running") == 0, "round %d: %s runs (%s), manifest says %s (pid %s)",
                                              round, name, describe(procs), bl_record_get(m, "state"), bl_record_get(m, "pid"));
                                ck_assert_msg(pid_in(procs, atol(bl_record_get(m, "pid"))), "round %d: %s: the recorded init %s is not the live one",
                                              round, name, bl_record_get(m, "pid"));
                        }
                } else if (healed)
                        ck_abort_msg("round %d: cgroup %s leaked (empty after check)", round, de->d_name);
                free(procs);
                free(procs_path);
                free(name);
        }
        if (d)
                closedir(d);
        /* every manifest that says running has a live init; no address twice */
        int running = 0;
        for (size_t i = 0; i < bl_record_list_count(list); i++) {
                const bl_record *m = bl_record_list_get(list, i);
                const char *name = bl_record_get(m, "name");
                if (strcmp(bl_record_get(m, "state"), "running") == 0) {
                        running++;
                        /* a stop killed after its signal leaves one to correct: check's job */
                        struct container_model cm;
                        ck_assert_int_eq(container_model_decode(m, &cm, NULL), 0);
                        ck_assert_msg(!healed || container_liveness(&cm) == LIVE_RUNNING, "round %d: %s says running, its init is dead", round,
                                      name);
                        container_model_done(&cm);
                }
                const char *a = bl_record_get(m, "address");
                for (size_t k = i + 1; a && k < bl_record_list_count(list); k++) {
                        const char *b = bl_record_get(bl_record_list_get(list, k), "address");
                        ck_assert_msg(!b || strcmp(a, b) != 0, "round %d: %s and %s both have %s", round, name,
                                      bl_record_get(bl_record_list_get(list, k), "name"), a);
                }
        }
        if (healed) {
                ck_assert_msg(live == running, "round %d: %d live runs, %d manifests say running", round, live, running);
                /* no leaked loop device (one per run), veth (one per run) */
                int loops = 0;
                DIR *b = opendir("/sys/block");
                while (b && (de = readdir(b))) {
                        char p[300], *s = NULL;
                        snprintf(p, sizeof(p), "/sys/block/%s/loop/backing_file", de->d_name);
                        if (strncmp(de->d_name, "loop", 4) == 0 && read_file(p, &s, NULL) == 0 && strstr(s, root)) {
                                ck_assert_msg(!strstr(s, "(deleted)"), "round %d: a loop device reads a deleted disk: %s", round, s);
                                loops++;
                        }
                        free(s);
                }
                if (b)
                        closedir(b);
                ck_assert_msg(loops <= running, "round %d: %d loop devices for %d runs", round, loops, running);
                int veths = 0;
                struct if_nameindex *ifs = if_nameindex();
                for (struct if_nameindex *i = ifs; i && i->if_name; i++)
                        if (strncmp(i->if_name, "vb", 2) == 0)
                                veths++;
                if (ifs)
                        if_freenameindex(ifs);
                ck_assert_msg(veths == running, "round %d: %d veths for %d runs", round, veths, running);
        }
        bl_record_list_free(list);
        return running;
}

START_TEST(test_chaos)
{
        ck_assert_int_eq(bl_bridge_create(ctx, "bltxbr", "10.98.0.1/24"), 0);
        const char *s = getenv("BLT_CHAOS_SECONDS");
        double budget = s ? atof(s) : 120;
        unsigned seed = (unsigned) time(NULL) ^ (unsigned) getpid();
        fprintf(stderr, "chaos: seed %u, %.0f s\n", seed, budget);
        double t0 = now_s();
        int round = 0, kills = 0, clis = 0, succeeded = 0, max_running = 0;
        while (now_s() - t0 < budget) {
                round++;
                pid_t pids[CLIS];
                int kill_ms[CLIS];
                for (int i = 0; i < CLIS; i++) {
                        /* a list and a check in every round, beside the random verbs */
                        char *list[] = { (char *) "container", (char *) "list", (char *) "--all", NULL };
                        char *check[] = { (char *) "check", NULL };
                        pids[i] = i == 0 ? cli_spawn(NULL, NULL, list) : i == 1 ? cli_spawn(NULL, NULL, check) : spawn_random(&seed);
                        /* a third of them die at a random moment */
                        kill_ms[i] = rand_r(&seed) % 3 == 0 ? (int) (rand_r(&seed) % 1500) : -1;
                }
                clis += CLIS;
                double r0 = now_s();
                for (int left = CLIS; left > 0;) {
                        left = 0;
                        for (int i = 0; i < CLIS; i++) {
                                if (kill_ms[i] >= 0 && (now_s() - r0) * 1000 >= kill_ms[i]) {
                                        if (kill(pids[i], SIGKILL) == 0)
                                                kills++;
                                        kill_ms[i] = -1;
                                }
                                if (kill_ms[i] >= 0)
                                        left++;
                        }
                        nanosleep(&(struct timespec) { 0, 10 * 1000 * 1000 }, NULL);
                }
                for (int i = 0; i < CLIS; i++)
                        if (cli_wait(pids[i]) == 0)
                                succeeded++;
                assert_invariants(false, round);
                bl_record_list *acts;
                ck_assert_int_eq(bl_check_run(ctx, 0, &acts), 0);
                bl_record_list_free(acts);
                int running = assert_invariants(true, round);
                if (running > max_running)
                        max_running = running;
        }
        fprintf(stderr, "chaos: %d rounds, %d CLIs (%d succeeded, %d killed), up to %d running at once, %.0f s\n", round, clis, succeeded,
                kills, max_running, now_s() - t0);
        /* the chaos must have done something: runs and kills */
        ck_assert_int_gt(max_running, 0);
        ck_assert_int_gt(kills, 0);
}
END_TEST

Suite *suite_chaos(void);
Suite *suite_chaos(void)
{
        Suite *s = suite_create("chaos");
        TCase *tc = tcase_create("chaos");
        tcase_add_checked_fixture(tc, integ_setup_netns, integ_teardown);
        tcase_set_timeout(tc, 400);
        tcase_add_test(tc, test_chaos);
        suite_add_tcase(s, tc);
        return s;
}
