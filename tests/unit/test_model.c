/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The typed manifests: round trips, unknown keys, old encodings, corrupt values. */
#include "core/core.h"
#include "container/container.h"
#include "store/model.h"
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

/* what a running container's manifest holds, as this version writes it */
static const char full[] =
        "name: web\n"
        "image: base\n"
        "pid: 4242\n"
        "bridge: br0\n"
        "address: 10.88.0.2\n"
        "state: running\n"
        "starting_time: 1700000100\n"
        "pid_starttime: 987654\n"
        "created: 1700000000\n"
        "cmd: [\"/bin/sh\",\"-c\",\"echo \\\"hi\\\"\"]\n"
        "env: [\"PATH=/bin\",\"A=b c\"]\n"
        "workdir: /srv\n"
        "hostname: webhost\n"
        "user: 1000:1000\n"
        "cap_add: [\"NET_ADMIN\"]\n"
        "cap_drop: [\"CHOWN\",\"KILL\"]\n"
        "privileged: no\n"
        "tty: yes\n"
        "auto_remove: yes\n"
        "memory: 67108864\n"
        "pids_limit: 64\n"
        "device_rules: [\"a c 1:3 rwm\"]\n"
        "restart_count: 2\n"
        "restart_failures: 1\n"
        "restart: on-failure:5\n"
        "seccomp: unconfined\n"
        "userns: 100000 65536\n"
        "cpus: 0-1,3\n"
        "cpu_quota: 0.5\n"
        "disk0: - 1048576 0\n"
        "disk1: /dev/sda 0 2048\n"
        "net0: br0 10.88.0.2/16 vbl1234abcd0\n"
        "net1: br1 10.89.0.7/24 vbl1234abcd1\n"
        "cgroup: web@1234abcd\n"
        "exit_code: 0\n";

START_TEST(test_round_trip)
{
        struct container_model m;
        char key[MODEL_KEY_MAX] = "";
        ck_assert_int_eq(container_model_parse(full, &m, key), 0);
        ck_assert_str_eq(m.name, "web");
        ck_assert_int_eq(m.state, CSTATE_RUNNING);
        ck_assert_uint_eq(m.run.pid, 4242);
        ck_assert_uint_eq(m.run.starttime, 987654);
        ck_assert_str_eq(m.cmd[3 - 1], "echo \"hi\"");
        ck_assert_str_eq(m.env[1], "A=b c");
        ck_assert_uint_eq(m.limits.memory, 64u << 20);
        ck_assert_str_eq(m.limits.cpus, "0-1,3");
        ck_assert(m.limits.cpu_quota == 0.5);
        ck_assert_uint_eq(m.limits.ndisk, 2);
        ck_assert_ptr_null(m.limits.disk[0].device);
        ck_assert_uint_eq(m.limits.disk[0].read_bps, 1048576);
        ck_assert_str_eq(m.limits.disk[1].device, "/dev/sda");
        ck_assert_uint_eq(m.nnets, 2);
        ck_assert_str_eq(m.nets[1].bridge, "br1");
        ck_assert_uint_eq(m.nets[1].addr, (10u << 24) | (89u << 16) | 7);
        ck_assert_int_eq(m.nets[1].prefix, 24);
        ck_assert_str_eq(m.nets[0].hostif, "vbl1234abcd0");
        ck_assert_int_eq(m.restart, RESTART_ON_FAILURE);
        ck_assert_uint_eq(m.restart_max, 5);
        ck_assert_uint_eq(m.restart_count, 2);
        ck_assert(m.tty && m.auto_remove && !m.privileged && m.seccomp_unconfined && m.userns);
        ck_assert_uint_eq(m.userns_start, 100000);
        ck_assert(m.has_exit);
        ck_assert_int_eq(m.exit_code, 0);
        ck_assert_str_eq(m.cgroup, "web@1234abcd");
        ck_assert_uint_eq(bl_record_count(m.extra), 0);

        /* encoded again and decoded again: the same text */
        char *text, *again;
        struct container_model m2;
        ck_assert_int_eq(container_model_format(&m, &text), 0);
        ck_assert_int_eq(container_model_parse(text, &m2, NULL), 0);
        ck_assert_int_eq(container_model_format(&m2, &again), 0);
        ck_assert_str_eq(text, again);
        /* the seed's keys come first, each line readable by cut -d: -f2 */
        ck_assert(strncmp(text, "name: web\nimage: base\npid: 4242\nbridge: br0\n", 43) == 0);
        ck_assert_ptr_nonnull(strstr(text, "\nstarting_time: 1700000100\n"));
        ck_assert_ptr_nonnull(strstr(text, "\nnet1: br1 10.89.0.7/24 vbl1234abcd1\n"));
        ck_assert_ptr_nonnull(strstr(text, "\ndisk0: - 1048576 0\n"));
        ck_assert_ptr_nonnull(strstr(text, "\nrestart: on-failure:5\n"));
        /* every line of the source is in the result */
        char *dup = strdup(full), *save = NULL;
        for (char *line = strtok_r(dup, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *needle = strdup_printf("\n%s\n", line);
                char *hay = strdup_printf("\n%s", text);
                ck_assert_msg(strstr(hay, needle), "line \"%s\" lost in:\n%s", line, text);
                free(needle);
                free(hay);
        }
        free(dup);
        free(text);
        free(again);
        container_model_done(&m);
        container_model_done(&m2);
}
END_TEST

START_TEST(test_unknown_keys_kept)
{
        struct container_model m;
        ck_assert_int_eq(container_model_parse("zeta: 1\nname: old\nfuture.key: a: b\npid: 0\nnet0: br0 10.0.0.2/24 vx0\n"
                                               "net2: br2 10.0.2.2/24 vx2\nalpha: last\n", &m, NULL), 0);
        ck_assert_uint_eq(m.nnets, 1); /* a hole ends the list, as before */
        char *text;
        ck_assert_int_eq(container_model_format(&m, &text), 0);
        /* unknown keys after the known ones, in their own order */
        const char *z = strstr(text, "zeta: 1\n"), *f = strstr(text, "future.key: a: b\n"), *n2 = strstr(text, "net2: br2 10.0.2.2/24 vx2\n"),
                   *a = strstr(text, "alpha: last\n"), *n0 = strstr(text, "net0: ");
        ck_assert(z && f && n2 && a && n0);
        ck_assert(n0 < z && z < f && f < n2 && n2 < a);
        free(text);
        container_model_done(&m);
}
END_TEST

START_TEST(test_old_encodings)
{
        /* the seed's manifest: five keys, no state, no net0 */
        struct container_model m;
        ck_assert_int_eq(container_model_parse("name: seed\nimage: base\npid: 0\nbridge: br0\nstarting_time: 0\n", &m, NULL), 0);
        ck_assert_int_eq(m.state, CSTATE_NONE);
        ck_assert_uint_eq(m.nnets, 0);
        ck_assert_ptr_null(m.env);
        char *text;
        ck_assert_int_eq(container_model_format(&m, &text), 0);
        ck_assert_ptr_nonnull(strstr(text, "bridge: br0\n"));
        ck_assert_ptr_null(strstr(text, "state:"));
        free(text);
        container_model_done(&m);
        /* a manifest without image, as the CLI test writes one */
        ck_assert_int_eq(container_model_parse("name: noimage\nstate: exited\npid: 0\n", &m, NULL), 0);
        ck_assert_ptr_null(m.image);
        ck_assert_int_eq(m.state, CSTATE_EXITED);
        container_model_done(&m);
}
END_TEST

START_TEST(test_corrupt_values)
{
        static const struct { const char *line, *key; } bad[] = {
                { "pid: -1\n", "pid" },
                { "pid: 12abc\n", "pid" },
                { "state: sleeping\n", "state" },
                { "memory: 1G\n", "memory" },
                { "cmd: /bin/sh\n", "cmd" },
                { "env: [1,2]\n", "env" },
                { "tty: maybe\n", "tty" },
                { "restart: sometimes\n", "restart" },
                { "restart: on-failure:0\n", "restart" },
                { "cpus: all\n", "cpus" },
                { "cpu_quota: nan\n", "cpu_quota" },
                { "net0: br0 10.0.0.300/24 vx0\n", "net0" },
                { "net0: br0 10.0.0.3/24\n", "net0" },
                { "disk0: sda 1 2\n", "disk0" },
                { "cgroup: ../../escape\n", "cgroup" },
                { "userns: 1000\n", "userns" },
                { "seccomp: off\n", "seccomp" },
                { "exit_code: 300\n", "exit_code" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                char *text = strdup_printf("name: x\n%s", bad[i].line);
                struct container_model m;
                char key[MODEL_KEY_MAX] = "";
                ck_assert_msg(container_model_parse(text, &m, key) == -EBADMSG, "accepted %s", bad[i].line);
                ck_assert_str_eq(key, bad[i].key);
                free(text);
        }
}
END_TEST

START_TEST(test_load_names_file_and_key)
{
        char *path = strdup_printf("%s/manifeste/containers/bad.manifest", root);
        ck_assert_int_eq(write_file_atomic(path, "name: bad\nmemory: lots\n", 23, 0644), 0);
        struct container_model m;
        ck_assert_int_eq(container_model_load(ctx, "bad", &m), -EBADMSG);
        const char *msg = bl_ctx_errmsg(ctx);
        ck_assert_msg(strstr(msg, path) && strstr(msg, "\"memory\"") && strstr(msg, "container \"bad\""), "message: %s", msg);
        /* skipped by a listing, beside a good one */
        struct container_model good = { .name = strdup("good"), .state = CSTATE_CREATED };
        ck_assert_int_eq(container_model_save(ctx, &good), 0);
        container_model_done(&good);
        struct container_models all;
        ck_assert_int_eq(container_models_load(ctx, &all), 0);
        ck_assert_uint_eq(all.n, 1);
        ck_assert_str_eq(all.items[0].name, "good");
        ck_assert_int_eq(all.items[0].state, CSTATE_CREATED);
        container_models_done(&all);
        free(path);
}
END_TEST

START_TEST(test_bridge_model)
{
        bl_record *rec;
        ck_assert_int_eq(manifest_parse("name: br0\naddress: 10.88.0.1/16\nstate: ready\nnext: kept\n", &rec), 0);
        struct bridge_model b;
        ck_assert_int_eq(bridge_model_decode(rec, &b, NULL), 0);
        bl_record_free(rec);
        ck_assert_uint_eq(b.addr, (10u << 24) | (88u << 16) | 1);
        ck_assert_int_eq(b.prefix, 16);
        ck_assert_int_eq(b.state, BSTATE_READY);
        ck_assert_int_eq(bridge_model_encode(&b, &rec), 0);
        char *text;
        ck_assert_int_eq(manifest_format(rec, &text), 0);
        ck_assert_str_eq(text, "name: br0\naddress: 10.88.0.1/16\nstate: ready\nnext: kept\n");
        free(text);
        bl_record_free(rec);
        bridge_model_done(&b);
        char key[MODEL_KEY_MAX] = "";
        ck_assert_int_eq(manifest_parse("name: br0\naddress: 10.88.0.1\n", &rec), 0);
        ck_assert_int_eq(bridge_model_decode(rec, &b, key), -EBADMSG);
        ck_assert_str_eq(key, "address");
        bl_record_free(rec);
}
END_TEST

START_TEST(test_image_model)
{
        /* as import writes it (the old escaped slash in exposed_ports read too) */
        static const char text[] = "name: web\nsize: 134217728\npath: /r/images/web.img\nused: 4096\nsource: import\n"
                                   "created: 1700000000\nstate: ready\nsource_arg: /tmp/web.tar\nentrypoint: [\"/docker-entrypoint.sh\"]\n"
                                   "cmd: [\"nginx\",\"-g\",\"daemon off;\"]\nenv: [\"PATH=/bin\"]\nworkdir: /srv\nuser: www\n"
                                   "exposed_ports: [\"80\\/tcp\"]\nlabels: {\"a\":\"b\"}\ntag: web:1\ndigest: sha256:00\nformat: docker\n"
                                   "later: kept\n";
        bl_record *rec;
        struct image_model m;
        ck_assert_int_eq(manifest_parse(text, &rec), 0);
        ck_assert_int_eq(image_model_decode(rec, &m, NULL), 0);
        bl_record_free(rec);
        ck_assert_uint_eq(m.size, 128u << 20);
        ck_assert_int_eq(m.state, ISTATE_READY);
        ck_assert_str_eq(m.cmd[2], "daemon off;");
        ck_assert_str_eq(m.exposed_ports[0], "80/tcp");
        ck_assert_str_eq(m.labels, "{\"a\":\"b\"}");
        ck_assert_int_eq(image_model_encode(&m, &rec), 0);
        char *out;
        ck_assert_int_eq(manifest_format(rec, &out), 0);
        ck_assert(strncmp(out, "name: web\nsize: 134217728\npath: /r/images/web.img\n", 50) == 0);
        ck_assert_ptr_nonnull(strstr(out, "\nexposed_ports: [\"80/tcp\"]\n"));
        ck_assert_ptr_nonnull(strstr(out, "\nlater: kept\n"));
        free(out);
        bl_record_free(rec);
        image_model_done(&m);
        static const char *const bad[] = { "labels: [1]\n", "size: big\n", "state: broken\n", "cmd: nginx\n" };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                char *t = strdup_printf("name: x\n%s", bad[i]), key[MODEL_KEY_MAX] = "";
                ck_assert_int_eq(manifest_parse(t, &rec), 0);
                ck_assert_int_eq(image_model_decode(rec, &m, key), -EBADMSG);
                ck_assert(strncmp(bad[i], key, strlen(key)) == 0 && bad[i][strlen(key)] == ':');
                bl_record_free(rec);
                free(t);
        }
}
END_TEST

/* One mapping: config -> model limits -> the cgroup backend's values. */
START_TEST(test_limits_mapping)
{
        char *rules[] = { "a c 1:3 rwm", NULL };
        bl_container_config cfg = { .memory = 64u << 20, .cpus = "0-1", .cpu_quota = 1.5, .pids = 32, .device_rules = rules,
                                    .ndisk = 1, .disk = { { .device = NULL, .read_bps = 1000, .write_bps = 0 } } };
        struct container_model m = { .name = strdup("lim") };
        ck_assert_int_eq(limits_from_config(ctx, &cfg, &m.limits), 0);
        ck_assert_uint_eq(m.limits.memory, 64u << 20);
        ck_assert_str_eq(m.limits.cpus, "0-1");
        ck_assert_uint_eq(m.limits.ndisk, 1);
        ck_assert_ptr_null(m.limits.disk[0].device);
        /* an update replaces only what it sets */
        bl_container_config upd = { .pids = 99 };
        struct container_limits set;
        ck_assert_int_eq(limits_from_config(ctx, &upd, &set), 0);
        limits_merge(&m.limits, &set);
        container_limits_done(&set);
        ck_assert_uint_eq(m.limits.pids, 99);
        ck_assert_uint_eq(m.limits.memory, 64u << 20);
        ck_assert_str_eq(m.limits.cpus, "0-1");
        /* the backend's view: numbers as recorded, the own disk left out
         * while its loop device is unknown */
        struct cg_limits lim;
        ck_assert_int_eq(limits_to_cg(ctx, &m, &lim, -1), 0);
        ck_assert_uint_eq(lim.memory, 64u << 20);
        ck_assert(lim.cpu_quota == 1.5);
        ck_assert_uint_eq(lim.pids, 99);
        ck_assert_uint_eq(lim.ndisk, 0);
        ck_assert_str_eq(lim.device_rules[0], "a c 1:3 rwm");
        limits_free(&lim);
        /* a disk that is not a block device: refused at once, named */
        bl_container_config bad = { .ndisk = 1, .disk = { { .device = "/etc/hostname" } } };
        ck_assert_int_eq(limits_from_config(ctx, &bad, &set), -ENODEV);
        container_limits_done(&set);
        ck_assert_ptr_nonnull(strstr(bl_ctx_errmsg(ctx), "/etc/hostname"));
        container_model_done(&m);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("model");
        TCase *tc = tcase_create("model");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_round_trip);
        tcase_add_test(tc, test_unknown_keys_kept);
        tcase_add_test(tc, test_old_encodings);
        tcase_add_test(tc, test_corrupt_values);
        tcase_add_test(tc, test_load_names_file_and_key);
        tcase_add_test(tc, test_bridge_model);
        tcase_add_test(tc, test_image_model);
        tcase_add_test(tc, test_limits_mapping);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
