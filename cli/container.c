/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define EXIT_BALEINE 125

static void ignore(int sig) { (void) sig; }

/* Copies between the caller's terminal and the program's until it hangs up. */
static void proxy_tty(int master)
{
        struct termios saved, raw;
        bool is_tty = isatty(0) && tcgetattr(0, &saved) == 0;
        if (is_tty) {
                struct winsize ws;
                if (ioctl(0, TIOCGWINSZ, &ws) == 0)
                        ioctl(master, TIOCSWINSZ, &ws);
                raw = saved;
                cfmakeraw(&raw);
                tcsetattr(0, TCSANOW, &raw);
        }
        struct pollfd p[2] = { { .fd = 0, .events = POLLIN }, { .fd = master, .events = POLLIN } };
        char buf[4096];
        for (;;) {
                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
                        ssize_t n = read(master, buf, sizeof(buf));
                        if (n <= 0)
                                break;
                        if (write(1, buf, (size_t) n) < 0)
                                break;
                }
                if (p[0].revents & POLLIN) {
                        ssize_t n = read(0, buf, sizeof(buf));
                        if (n <= 0)
                                p[0].fd = -1;
                        else if (write(master, buf, (size_t) n) < 0)
                                break;
                }
        }
        if (is_tty)
                tcsetattr(0, TCSANOW, &saved);
}

/* Docker's status for a failed exec: 127 the command is not found in the
 * container, 126 it cannot be executed (execve's errors), else 125. */
static int exec_failure_status(struct cli *cli, const char *name, int r)
{
        bl_record *rec = NULL;
        /* -ENOENT is also "no such container": only a container that exists */
        if (bl_container_inspect(cli->ctx, name, &rec) < 0)
                return EXIT_BALEINE;
        bl_record_free(rec);
        switch (-r) {
        case ENOENT: return 127;
        case EACCES: case ENOEXEC: case EISDIR: case ENOTDIR: case ELOOP: case ETXTBSY: return 126;
        default: return EXIT_BALEINE;
        }
}

/* Waits for a foreground process; returns Docker's exit code. */
static int run_foreground(struct cli *cli, bl_process *proc)
{
        signal(SIGINT, ignore);
        signal(SIGTERM, ignore);
        if (bl_process_ptmx(proc) >= 0)
                proxy_tty(bl_process_ptmx(proc));
        int status = EXIT_BALEINE;
        if (bl_process_wait(cli->ctx, proc, &status) < 0)
                status = (fail(cli, -1), EXIT_BALEINE);
        bl_process_free(proc);
        return status;
}

static int parse_rate(struct cli *cli, const char *arg, bl_container_config *cfg, bool write)
{
        char *dev = NULL;
        const char *rate = arg;
        const char *colon = strrchr(arg, ':');
        if (colon && arg[0] == '/') {
                dev = strndup(arg, (size_t) (colon - arg));
                rate = colon + 1;
        }
        uint64_t bps;
        int r = bl_size_parse(cli->ctx, rate, &bps);
        if (r == 0)
                r = write ? bl_container_config_set_disk_write_bps(cfg, dev, bps) : bl_container_config_set_disk_read_bps(cfg, dev, bps);
        free(dev);
        if (r < 0)
                return usage_error("container", "--disk-%s-bps \"%s\": expected [DEVICE:]RATE such as 5M or /dev/sda:5M",
                                   write ? "write" : "read", arg);
        return 0;
}

enum {
        OPT_HOSTNAME = 1000, OPT_ATTACH, OPT_RM, OPT_NO_START, OPT_RESTART, OPT_MEMORY, OPT_CPUS, OPT_CPU_QUOTA,
        OPT_PIDS, OPT_DISK_R, OPT_DISK_W, OPT_DEV_ALLOW, OPT_DEV_DENY, OPT_CAP_ADD, OPT_CAP_DROP, OPT_PRIVILEGED,
        OPT_SECCOMP, OPT_JSON, OPT_ALL, OPT_FORCE, OPT_TAIL, OPT_ENTRYPOINT, OPT_USERNS, OPT_USERNS_RANGE,
};

static const struct option limit_opts[] = {
        { "memory", required_argument, NULL, OPT_MEMORY },
        { "cpus", required_argument, NULL, OPT_CPUS },
        { "cpu-quota", required_argument, NULL, OPT_CPU_QUOTA },
        { "pids", required_argument, NULL, OPT_PIDS },
};

/* A setter refused a value: bad text is a usage error (2), a value the host
 * cannot give a failure (1); the library's message says which and why. */
static int setter_error(struct cli *cli, int r)
{
        return r == -EINVAL ? usage_error("container", "%s", bl_ctx_errmsg(cli->ctx)) : fail(cli, r);
}

/* Options shared by create and update; 0 handled, -1 not a limit, else exit code. */
static int limit_option(struct cli *cli, int c, const char *arg, bl_container_config *cfg)
{
        uint64_t v;
        char *end;
        int r;
        switch (c) {
        case OPT_MEMORY:
                if (bl_size_parse(cli->ctx, arg, &v) < 0)
                        return usage_error("container", "--memory: %s", bl_ctx_errmsg(cli->ctx));
                return (r = bl_container_config_set_memory(cfg, v)) < 0 ? setter_error(cli, r) : 0;
        case OPT_CPUS:
                return (r = bl_container_config_set_cpus(cfg, arg)) < 0 ? setter_error(cli, r) : 0;
        case OPT_CPU_QUOTA: {
                errno = 0;
                double q = strtod(arg, &end);
                if (errno || *end || end == arg)
                        return usage_error("container", "--cpu-quota \"%s\": expected a number of CPUs such as 0.5", arg);
                return (r = bl_container_config_set_cpu_quota(cfg, q)) < 0 ? setter_error(cli, r) : 0;
        }
        case OPT_PIDS:
                errno = 0;
                v = strtoull(arg, &end, 10);
                if (errno || *end || end == arg || v == 0 || arg[0] == '-')
                        return usage_error("container", "--pids \"%s\": expected a positive number", arg);
                return (r = bl_container_config_set_pids(cfg, v)) < 0 ? setter_error(cli, r) : 0;
        }
        return -1;
}

static int container_create(struct cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
                { "image", required_argument, NULL, 'i' },
                { "name", required_argument, NULL, 'c' },
                { "program", required_argument, NULL, 'p' },
                { "env", required_argument, NULL, 'e' },
                { "workdir", required_argument, NULL, 'w' },
                { "user", required_argument, NULL, 'u' },
                { "tty", no_argument, NULL, 't' },
                { "bridge", required_argument, NULL, 'b' },
                { "address", required_argument, NULL, 'a' },
                { "hostname", required_argument, NULL, OPT_HOSTNAME },
                { "attach", no_argument, NULL, OPT_ATTACH },
                { "rm", no_argument, NULL, OPT_RM },
                { "no-start", no_argument, NULL, OPT_NO_START },
                { "restart", required_argument, NULL, OPT_RESTART },
                { "memory", required_argument, NULL, OPT_MEMORY },
                { "cpus", required_argument, NULL, OPT_CPUS },
                { "cpu-quota", required_argument, NULL, OPT_CPU_QUOTA },
                { "pids", required_argument, NULL, OPT_PIDS },
                { "disk-read-bps", required_argument, NULL, OPT_DISK_R },
                { "disk-write-bps", required_argument, NULL, OPT_DISK_W },
                { "device-allow", required_argument, NULL, OPT_DEV_ALLOW },
                { "device-deny", required_argument, NULL, OPT_DEV_DENY },
                { "cap-add", required_argument, NULL, OPT_CAP_ADD },
                { "cap-drop", required_argument, NULL, OPT_CAP_DROP },
                { "privileged", no_argument, NULL, OPT_PRIVILEGED },
                { "seccomp", required_argument, NULL, OPT_SECCOMP },
                { "entrypoint", required_argument, NULL, OPT_ENTRYPOINT },
                { "userns", no_argument, NULL, OPT_USERNS },
                { "userns-range", required_argument, NULL, OPT_USERNS_RANGE },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        bl_container_config *cfg;
        const char *name = NULL, *image = NULL;
        const char *bridges[8] = { 0 }, *addrs[8] = { 0 };
        int nb = 0;
        bool tty = false, attach = false, rm = false, no_start = false;
        char **prog = NULL;
        int c, r, ret = 0;
        if (bl_container_config_new(cli->ctx, &cfg) < 0)
                return failf(1, "out of memory");
        optind = 1;
        while ((c = getopt_long(argc, argv, "+i:c:p:e:w:u:tb:a:h", opts, NULL)) != -1) {
                if ((r = limit_option(cli, c, optarg, cfg)) >= 0) {
                        if (r) {
                                ret = r;
                                goto out;
                        }
                        continue;
                }
                switch (c) {
                case 'i': image = optarg; break;
                case 'c': name = optarg; break;
                case 'p':
                        /* -p ends the options: the program and its arguments follow */
                        prog = &argv[optind - 1];
                        optind = argc;
                        break;
                case 'e':
                        if (!strchr(optarg, '=') || optarg[0] == '=' || bl_container_config_add_env(cfg, optarg) < 0) {
                                ret = usage_error("container", "-e \"%s\": expected KEY=VALUE", optarg);
                                goto out;
                        }
                        break;
                case 'w':
                        if (bl_container_config_set_workdir(cfg, optarg) < 0) {
                                ret = usage_error("container", "-w \"%s\": must be an absolute path", optarg);
                                goto out;
                        }
                        break;
                case 'u':
                        if ((r = bl_container_config_set_user(cfg, optarg)) < 0) {
                                ret = setter_error(cli, r);
                                goto out;
                        }
                        break;
                case 't': tty = true; break;
                case 'b':
                        if (nb == 8) {
                                ret = usage_error("container", "at most 8 interfaces");
                                goto out;
                        }
                        bridges[nb++] = optarg;
                        break;
                case 'a':
                        if (nb == 0 || addrs[nb - 1]) {
                                ret = usage_error("container", "-a ADDRESS goes after the -b BRIDGE it belongs to");
                                goto out;
                        }
                        addrs[nb - 1] = optarg;
                        break;
                case OPT_HOSTNAME:
                        if ((r = bl_container_config_set_hostname(cfg, optarg)) < 0) {
                                ret = setter_error(cli, r);
                                goto out;
                        }
                        break;
                case OPT_ATTACH: attach = true; break;
                case OPT_RM: rm = true; break;
                case OPT_NO_START: no_start = true; break;
                case OPT_RESTART:
                        if ((r = bl_container_config_set_restart(cfg, optarg)) < 0) {
                                ret = setter_error(cli, r);
                                goto out;
                        }
                        break;
                case OPT_DISK_R:
                case OPT_DISK_W:
                        if ((r = parse_rate(cli, optarg, cfg, c == OPT_DISK_W))) {
                                ret = r;
                                goto out;
                        }
                        break;
                case OPT_DEV_ALLOW:
                case OPT_DEV_DENY:
                        if ((r = bl_container_config_add_device_rule(cfg, c == OPT_DEV_ALLOW, optarg)) < 0) {
                                ret = setter_error(cli, r);
                                goto out;
                        }
                        break;
                case OPT_CAP_ADD:
                case OPT_CAP_DROP:
                        if ((r = c == OPT_CAP_ADD ? bl_container_config_add_cap(cfg, optarg) : bl_container_config_drop_cap(cfg, optarg)) < 0) {
                                ret = setter_error(cli, r);
                                goto out;
                        }
                        break;
                case OPT_PRIVILEGED: bl_container_config_set_privileged(cfg, 1); break;
                case OPT_USERNS: bl_container_config_set_userns(cfg, 1, 0, 0); break;
                case OPT_USERNS_RANGE: {
                        unsigned long start, count;
                        char tail;
                        if (sscanf(optarg, "%lu:%lu%c", &start, &count, &tail) != 2 || start > UINT32_MAX || count > UINT32_MAX ||
                            bl_container_config_set_userns(cfg, 1, (uint32_t) start, (uint32_t) count) < 0 || count == 0) {
                                ret = usage_error("container", "--userns-range \"%s\": expected START:COUNT such as 100000:65536", optarg);
                                goto out;
                        }
                        break;
                }
                case OPT_ENTRYPOINT: {
                        char *ep[] = { optarg, NULL };
                        if (bl_container_config_set_entrypoint(cfg, ep) < 0) {
                                ret = usage_error("container", "--entrypoint: a program is required");
                                goto out;
                        }
                        break;
                }
                case OPT_SECCOMP:
                        if (strcmp(optarg, "unconfined") != 0 && strcmp(optarg, "default") != 0) {
                                ret = usage_error("container", "--seccomp \"%s\": expected unconfined or default", optarg);
                                goto out;
                        }
                        bl_container_config_set_seccomp(cfg, strcmp(optarg, "default") == 0);
                        break;
                case 'h': help_noun("container"); goto out;
                default: ret = usage_error("container", "container create: bad option"); goto out;
                }
        }
        if (!prog && optind < argc)
                prog = &argv[optind];
        if (!image || !name) {
                ret = usage_error("container", "container create: -i IMAGE and -c NAME are required");
                goto out;
        }
        if (tty && attach) {
                ret = usage_error("container", "container create: -t and --attach exclude each other");
                goto out;
        }
        if (no_start && (tty || attach)) {
                ret = usage_error("container", "container create: --no-start excludes -t and --attach");
                goto out;
        }
        if ((r = bl_container_config_set_image(cfg, image)) < 0) {
                ret = setter_error(cli, r);
                goto out;
        }
        if (prog && bl_container_config_set_argv(cfg, prog) < 0) {
                ret = usage_error("container", "container create: empty program");
                goto out;
        }
        for (int i = 0; i < nb; i++)
                if ((r = bl_container_config_add_network(cfg, bridges[i], addrs[i])) < 0) {
                        ret = setter_error(cli, r);
                        goto out;
                }
        bl_container_config_set_tty(cfg, tty);
        bl_container_config_set_auto_remove(cfg, rm);

        bool foreground = tty || attach;
        if ((r = bl_container_create(cli->ctx, name, cfg)) < 0) {
                fail(cli, r);
                ret = foreground ? EXIT_BALEINE : 1;
                goto out;
        }
        if (no_start)
                goto out;
        bl_process *proc = NULL;
        r = bl_container_start(cli->ctx, name, tty ? BL_START_TTY : attach ? BL_START_ATTACH : 0, &proc);
        if (r < 0) {
                fail(cli, r);
                bl_record *rec;
                int code = EXIT_BALEINE;
                if (bl_container_inspect(cli->ctx, name, &rec) == 0) {
                        const char *ec = bl_record_get(rec, "exit_code");
                        if (ec && (atoi(ec) == 126 || atoi(ec) == 127))
                                code = atoi(ec);
                        bl_record_free(rec);
                }
                if (rm)
                        bl_container_remove(cli->ctx, name, 1);
                ret = foreground ? code : 1;
                goto out;
        }
        if (foreground) {
                ret = run_foreground(cli, proc);
                if (rm && bl_container_remove(cli->ctx, name, 1) < 0)
                        fail(cli, -1);
        }
        /* a detached --rm container: check removes it once it has ended */
out:
        bl_container_config_free(cfg);
        return ret;
}

static const char *state_text(const bl_record *rec, char *buf, size_t n)
{
        const char *state = bl_record_get(rec, "state");
        const char *code = bl_record_get(rec, "exit_code");
        const char *oom = bl_record_get(rec, "oom_killed");
        if (state && strcmp(state, "exited") == 0 && code)
                snprintf(buf, n, "exited(%s%s)", code, oom ? ",oom" : "");
        else
                snprintf(buf, n, "%s", state ? state : "?");
        return buf;
}

static int container_list(struct cli *cli, int argc, char **argv)
{
        bool all = false, json = false;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--all") == 0 || strcmp(argv[i], "-a") == 0)
                        all = true;
                else if (strcmp(argv[i], "--json") == 0)
                        json = true;
                else
                        return usage_error("container", "container list: unexpected \"%s\"", argv[i]);
        }
        bl_record_list *list;
        if (bl_container_list(cli->ctx, all, &list) < 0)
                return fail(cli, -1);
        if (json) {
                json_object *a = json_object_new_array();
                for (size_t i = 0; i < bl_record_list_count(list); i++) {
                        /* NULL: removed since the listing */
                        json_object *o = container_json(cli, bl_record_list_get(list, i));
                        if (o)
                                json_object_array_add(a, o);
                }
                print_json(a);
        } else {
                printf("%-16s %-12s %-8s %-14s %-8s %-18s %s\n", "NAME", "IMAGE", "PID", "STATE", "UPTIME", "ADDRESSES", "LIMITS");
                for (size_t i = 0; i < bl_record_list_count(list); i++) {
                        const bl_record *rec = bl_record_list_get(list, i);
                        char st[32], up[32] = "-";
                        const char *u = bl_record_get(rec, "uptime");
                        if (u)
                                format_duration(atoll(u), up, sizeof(up));
                        const char *pid = bl_record_get(rec, "pid");
                        const char *addrs = bl_record_get(rec, "addresses");
                        const char *lim = bl_record_get(rec, "limits");
                        const char *image = bl_record_get(rec, "image");
                        printf("%-16s %-12s %-8s %-14s %-8s %-18s %s\n", bl_record_get(rec, "name"), image ? image : "-",
                               pid && strcmp(pid, "0") ? pid : "-", state_text(rec, st, sizeof(st)), up,
                               addrs && *addrs ? addrs : "-", lim && *lim ? lim : "-");
                }
        }
        bl_record_list_free(list);
        return 0;
}

static int name_and_flags(int argc, char **argv, const char *verb, const char **name, int *timeout, bool *force, bool *json)
{
        *name = NULL;
        for (int i = 1; i < argc; i++) {
                if (timeout && (strcmp(argv[i], "-t") == 0 || strcmp(argv[i], "--time") == 0 || strcmp(argv[i], "--timeout") == 0)) {
                        char *end;
                        if (++i >= argc || (*timeout = (int) strtol(argv[i], &end, 10)) < 0 || *end || end == argv[i])
                                return usage_error("container", "container %s: -t needs a number of seconds", verb);
                } else if (force && (strcmp(argv[i], "--force") == 0 || strcmp(argv[i], "-f") == 0))
                        *force = true;
                else if (json && strcmp(argv[i], "--json") == 0)
                        *json = true;
                else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        help_noun("container");
                        return 0;
                } else if (argv[i][0] == '-')
                        return usage_error("container", "container %s: unknown option %s", verb, argv[i]);
                else if (*name)
                        return usage_error("container", "container %s: one name only", verb);
                else
                        *name = argv[i];
        }
        if (!*name)
                return usage_error("container", "container %s: a container name is required", verb);
        return -1;
}

static int container_logs(struct cli *cli, int argc, char **argv)
{
        const char *name = NULL;
        bool follow = false;
        long tail = -1;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--follow") == 0)
                        follow = true;
                else if (strcmp(argv[i], "--tail") == 0 || strcmp(argv[i], "-n") == 0) {
                        char *end;
                        if (++i >= argc || (tail = strtol(argv[i], &end, 10)) < 0 || *end)
                                return usage_error("container", "container logs: --tail needs a number");
                } else if (argv[i][0] == '-')
                        return usage_error("container", "container logs: unknown option %s", argv[i]);
                else
                        name = argv[i];
        }
        if (!name)
                return usage_error("container", "container logs: a container name is required");
        char *path;
        if (bl_container_log_path(cli->ctx, name, &path) < 0)
                return fail(cli, -1);
        /* the previous generation first, then the current one */
        char *old = malloc(strlen(path) + 3);
        sprintf(old, "%s.1", path);
        char *text = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&text, &len);
        const char *files[] = { old, path };
        off_t pos = 0;
        for (int k = 0; k < 2; k++) {
                FILE *f = fopen(files[k], "re");
                if (!f)
                        continue;
                char buf[65536];
                size_t n;
                while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
                        fwrite(buf, 1, n, m);
                if (k == 1)
                        pos = ftello(f);
                fclose(f);
        }
        fclose(m);
        const char *start = text ? text : "";
        if (tail >= 0 && text) {
                long lines = 0;
                const char *p = text + len;
                if (p > text && p[-1] == '\n')
                        p--;
                while (p > text) {
                        if (p[-1] == '\n' && ++lines == tail)
                                break;
                        p--;
                }
                start = tail == 0 ? text + len : p;
        }
        fputs(start, stdout);
        fflush(stdout);
        free(text);
        while (follow) {
                int fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd >= 0) {
                        off_t end = lseek(fd, 0, SEEK_END);
                        if (end < pos)
                                pos = 0; /* rotated */
                        char buf[65536];
                        ssize_t n;
                        while ((n = pread(fd, buf, sizeof(buf), pos)) > 0) {
                                fwrite(buf, 1, (size_t) n, stdout);
                                pos += n;
                        }
                        fflush(stdout);
                        close(fd);
                }
                bl_record *rec;
                if (bl_container_inspect(cli->ctx, name, &rec) < 0)
                        break;
                bool running = strcmp(bl_record_get(rec, "state"), "running") == 0;
                bl_record_free(rec);
                if (!running)
                        break;
                nanosleep(&(struct timespec) { 0, 200 * 1000 * 1000 }, NULL);
        }
        free(old);
        free(path);
        return 0;
}

static int container_exec(struct cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
                { "tty", no_argument, NULL, 't' },
                { "env", required_argument, NULL, 'e' },
                { "workdir", required_argument, NULL, 'w' },
                { "user", required_argument, NULL, 'u' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        bl_exec_config *cfg;
        if (bl_exec_config_new(cli->ctx, &cfg) < 0)
                return failf(1, "out of memory");
        int c, ret;
        optind = 1;
        while ((c = getopt_long(argc, argv, "+te:w:u:h", opts, NULL)) != -1) {
                switch (c) {
                case 't': bl_exec_config_set_tty(cfg, 1); break;
                case 'e':
                        if (!strchr(optarg, '=') || bl_exec_config_add_env(cfg, optarg) < 0) {
                                ret = usage_error("container", "-e \"%s\": expected KEY=VALUE", optarg);
                                goto out;
                        }
                        break;
                case 'w':
                        if (bl_exec_config_set_workdir(cfg, optarg) < 0) {
                                ret = usage_error("container", "-w \"%s\": must be an absolute path", optarg);
                                goto out;
                        }
                        break;
                case 'u':
                        if (bl_exec_config_set_user(cfg, optarg) < 0) {
                                ret = usage_error("container", "-u \"%s\": expected UID[:GID]", optarg);
                                goto out;
                        }
                        break;
                case 'h': help_noun("container"); ret = 0; goto out;
                default: ret = usage_error("container", "container exec: bad option"); goto out;
                }
        }
        if (optind >= argc) {
                ret = usage_error("container", "container exec: NAME -- CMD is required");
                goto out;
        }
        const char *name = argv[optind++];
        if (optind < argc && strcmp(argv[optind], "--") == 0)
                optind++;
        if (optind >= argc) {
                ret = usage_error("container", "container exec: a command is required after the name");
                goto out;
        }
        bl_exec_config_set_argv(cfg, &argv[optind]);
        bl_process *proc = NULL;
        int r = bl_container_exec(cli->ctx, name, cfg, &proc);
        if (r < 0) {
                fail(cli, -1);
                ret = exec_failure_status(cli, name, r);
                goto out;
        }
        ret = run_foreground(cli, proc);
out:
        bl_exec_config_free(cfg);
        return ret;
}

static int container_stats(struct cli *cli, int argc, char **argv)
{
        bool json = false;
        bl_record_list *names = NULL;
        const char *want[64];
        int nw = 0;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--json") == 0)
                        json = true;
                else if (argv[i][0] == '-')
                        return usage_error("container", "container stats: unknown option %s", argv[i]);
                else if (nw < 64)
                        want[nw++] = argv[i];
        }
        if (nw == 0) {
                if (bl_container_list(cli->ctx, 0, &names) < 0)
                        return fail(cli, -1);
                for (size_t i = 0; i < bl_record_list_count(names) && nw < 64; i++)
                        want[nw++] = bl_record_get(bl_record_list_get(names, i), "name");
        }
        int ret = 0;
        if (json)
                printf("[");
        else
                printf("%-16s %-20s %-10s %-6s %-10s %s\n", "NAME", "MEMORY/LIMIT", "CPU", "PIDS", "DISK READ", "DISK WRITE");
        for (int i = 0; i < nw; i++) {
                bl_record *rec;
                if (bl_container_stats(cli->ctx, want[i], &rec) < 0) {
                        ret = fail(cli, -1);
                        continue;
                }
                if (json) {
                        printf(i ? ",\n" : "\n");
                        print_record(rec, true);
                } else {
                        char mem[32], lim[32], rd[32], wr[32], cpu[32];
                        const char *l = bl_record_get(rec, "memory_limit");
                        format_bytes(bl_record_get(rec, "memory_bytes"), mem, sizeof(mem));
                        if (l && strtoull(l, NULL, 10) >= (1ULL << 50))
                                snprintf(lim, sizeof(lim), "none");
                        else
                                format_bytes(l, lim, sizeof(lim));
                        format_bytes(bl_record_get(rec, "disk_read_bytes"), rd, sizeof(rd));
                        format_bytes(bl_record_get(rec, "disk_write_bytes"), wr, sizeof(wr));
                        const char *cu = bl_record_get(rec, "cpu_usec");
                        snprintf(cpu, sizeof(cpu), "%.2fs", cu ? strtod(cu, NULL) / 1e6 : 0.0);
                        char ml[48];
                        snprintf(ml, sizeof(ml), "%s/%s", mem, lim);
                        const char *pids = bl_record_get(rec, "pids");
                        printf("%-16s %-20s %-10s %-6s %-10s %s\n", want[i], ml, cpu, pids ? pids : "-", rd, wr);
                }
                bl_record_free(rec);
        }
        if (json)
                printf("]\n");
        bl_record_list_free(names);
        return ret;
}

static int container_update(struct cli *cli, int argc, char **argv)
{
        bl_container_config *cfg;
        if (bl_container_config_new(cli->ctx, &cfg) < 0)
                return failf(1, "out of memory");
        struct option opts[(sizeof(limit_opts) / sizeof(limit_opts[0])) + 2];
        memcpy(opts, limit_opts, sizeof(limit_opts));
        opts[(sizeof(limit_opts) / sizeof(limit_opts[0]))] = (struct option) { "help", no_argument, NULL, 'h' };
        opts[(sizeof(limit_opts) / sizeof(limit_opts[0])) + 1] = (struct option) { 0 };
        int c, r, ret = 0;
        bool any = false;
        optind = 1;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                if (c == 'h') {
                        help_noun("container");
                        goto out;
                }
                if ((r = limit_option(cli, c, optarg, cfg)) != 0) {
                        ret = r < 0 ? usage_error("container", "container update: bad option") : r;
                        goto out;
                }
                any = true;
        }
        if (optind != argc - 1) {
                ret = usage_error("container", "container update: one container name is required");
                goto out;
        }
        if (!any) {
                ret = usage_error("container", "container update: give at least one of --memory --cpus --cpu-quota --pids");
                goto out;
        }
        if (bl_container_update(cli->ctx, argv[optind], cfg) < 0)
                ret = fail(cli, -1);
out:
        bl_container_config_free(cfg);
        return ret;
}

/* SIGTERM, TERM, 15: a signal by name (with or without SIG) or number. */
static int signal_parse(const char *s)
{
        static const struct { const char *name; int sig; } names[] = {
                { "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ABRT", SIGABRT }, { "KILL", SIGKILL },
                { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
                { "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },
                { "URG", SIGURG }, { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
                { "WINCH", SIGWINCH }, { "PWR", SIGPWR },
        };
        char *end;
        long n = strtol(s, &end, 10);
        if (end != s && !*end)
                return n > 0 && n < 65 ? (int) n : -1;
        if (strncasecmp(s, "SIG", 3) == 0)
                s += 3;
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (strcasecmp(s, names[i].name) == 0)
                        return names[i].sig;
        return -1;
}

static int container_kill(struct cli *cli, int argc, char **argv)
{
        int sig = SIGKILL;
        /* -s SIG before the name, as docker kill and kill(1) take it */
        for (int i = 1; i + 1 < argc; i++)
                if (strcmp(argv[i], "-s") == 0 || strcmp(argv[i], "--signal") == 0) {
                        if ((sig = signal_parse(argv[i + 1])) < 0)
                                return usage_error("container", "container kill: signal \"%s\": expected a name such as TERM or a number", argv[i + 1]);
                        memmove(&argv[i], &argv[i + 2], (size_t) (argc - i - 1) * sizeof(char *));
                        argc -= 2;
                        break;
                }
        const char *name;
        int r;
        if ((r = name_and_flags(argc, argv, "kill", &name, NULL, NULL, NULL)) >= 0)
                return r;
        return bl_container_kill(cli->ctx, name, sig) < 0 ? fail(cli, -1) : 0;
}

/* Prints the program's exit code and returns it, as docker wait does. */
static int container_wait(struct cli *cli, int argc, char **argv)
{
        int timeout_sec = -1, code = 0, r;
        const char *name;
        if ((r = name_and_flags(argc, argv, "wait", &name, &timeout_sec, NULL, NULL)) >= 0)
                return r;
        if (bl_container_wait(cli->ctx, name, timeout_sec < 0 ? -1 : timeout_sec * 1000, &code) < 0)
                return fail(cli, -1), EXIT_BALEINE;
        printf("%d\n", code);
        return code;
}

int cmd_container(struct cli *cli, int argc, char **argv)
{
        if (argc < 2)
                return usage_error("container", "container: a verb is required");
        const char *verb = argv[1];
        const char *name;
        int timeout = -1, r;
        bool force = false, json = false;
        argc--;
        argv++;
        if (strcmp(verb, "create") == 0 || strcmp(verb, "run") == 0)
                return container_create(cli, argc, argv);
        if (strcmp(verb, "list") == 0 || strcmp(verb, "ls") == 0)
                return container_list(cli, argc, argv);
        if (strcmp(verb, "logs") == 0)
                return container_logs(cli, argc, argv);
        if (strcmp(verb, "exec") == 0)
                return container_exec(cli, argc, argv);
        if (strcmp(verb, "stats") == 0)
                return container_stats(cli, argc, argv);
        if (strcmp(verb, "update") == 0)
                return container_update(cli, argc, argv);
        if (strcmp(verb, "commit") == 0) {
                if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-')
                        return usage_error("container", "container commit: NAME IMAGE are required");
                return bl_container_commit(cli->ctx, argv[1], argv[2]) < 0 ? fail(cli, -1) : 0;
        }
        if (strcmp(verb, "start") == 0) {
                bool attach = false;
                for (int i = 1; i < argc; i++)
                        if (strcmp(argv[i], "--attach") == 0) {
                                attach = true;
                                memmove(&argv[i], &argv[i + 1], (size_t) (argc - i) * sizeof(char *));
                                argc--;
                                break;
                        }
                if ((r = name_and_flags(argc, argv, verb, &name, NULL, NULL, NULL)) >= 0)
                        return r;
                bl_process *proc = NULL;
                if (bl_container_start(cli->ctx, name, attach ? BL_START_ATTACH : 0, &proc) < 0)
                        return fail(cli, -1), attach ? EXIT_BALEINE : 1;
                return attach ? run_foreground(cli, proc) : 0;
        }
        if (strcmp(verb, "stop") == 0 || strcmp(verb, "restart") == 0) {
                if ((r = name_and_flags(argc, argv, verb, &name, &timeout, NULL, NULL)) >= 0)
                        return r;
                r = verb[0] == 's' ? bl_container_stop(cli->ctx, name, timeout) : bl_container_restart(cli->ctx, name, timeout);
                return r < 0 ? fail(cli, r) : 0;
        }
        if (strcmp(verb, "remove") == 0 || strcmp(verb, "rm") == 0) {
                if ((r = name_and_flags(argc, argv, verb, &name, NULL, &force, NULL)) >= 0)
                        return r;
                return bl_container_remove(cli->ctx, name, force) < 0 ? fail(cli, -1) : 0;
        }
        if (strcmp(verb, "inspect") == 0) {
                if ((r = name_and_flags(argc, argv, verb, &name, NULL, NULL, &json)) >= 0)
                        return r;
                bl_record *rec;
                if (bl_container_inspect(cli->ctx, name, &rec) < 0)
                        return fail(cli, -1);
                json_object *o = json ? container_json(cli, rec) : NULL;
                if (json && !o) {
                        bl_record_free(rec);
                        return fail(cli, -1);
                }
                if (json)
                        print_json(o);
                else
                        print_record(rec, false);
                bl_record_free(rec);
                return 0;
        }
        if (strcmp(verb, "kill") == 0)
                return container_kill(cli, argc, argv);
        if (strcmp(verb, "wait") == 0)
                return container_wait(cli, argc, argv);
        if (strcmp(verb, "pause") == 0 || strcmp(verb, "unpause") == 0) {
                if ((r = name_and_flags(argc, argv, verb, &name, NULL, NULL, NULL)) >= 0)
                        return r;
                r = verb[0] == 'p' ? bl_container_pause(cli->ctx, name) : bl_container_unpause(cli->ctx, name);
                return r < 0 ? fail(cli, r) : 0;
        }
        if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0 || strcmp(verb, "help") == 0) {
                help_noun("container");
                return 0;
        }
        return usage_error("container", "container: unknown verb \"%s\"", verb);
}
