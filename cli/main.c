/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static bool progress_shown;

int fail(struct cli *cli, int r)
{
        const char *m = bl_ctx_errmsg(cli->ctx);
        if (progress_shown) {
                fputc('\n', stderr);
                progress_shown = false;
        }
        fprintf(stderr, "baleine: %s\n", m && *m ? m : strerror(r < 0 ? -r : r));
        return 1;
}

int failf(int code, const char *fmt, ...)
{
        va_list ap;
        fputs("baleine: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        return code;
}

int usage_error(const char *noun, const char *fmt, ...)
{
        va_list ap;
        fputs("baleine: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\nTry 'baleine help%s%s'.\n", noun ? " " : "", noun ? noun : "");
        return EXIT_USAGE;
}

static void log_to_stderr(void *data, int prio, const char *msg)
{
        (void) data;
        if (prio <= BL_LOG_WARNING || getenv("BALEINE_DEBUG"))
                fprintf(stderr, "baleine: %s%s\n", prio <= BL_LOG_WARNING ? "warning: " : "", msg);
}

/* Progress only on a terminal (a script's output stays clean), and only
 * for work that lasts: nothing before half a second. */
static void progress_to_tty(void *data, const char *what, uint64_t done, uint64_t total)
{
        static struct timespec first;
        static char first_what[32];
        struct timespec now;
        (void) data;
        if (total == 0) {
                /* unknown amount of work: show that it goes on (done = elapsed ms) */
                fprintf(stderr, "\r%-12s working, %llu s", what, (unsigned long long) (done / 1000));
                progress_shown = true;
                return;
        }
        if (done > total)
                return;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (strncmp(first_what, what, sizeof(first_what) - 1) != 0) {
                snprintf(first_what, sizeof(first_what), "%s", what);
                first = now;
        }
        if (!progress_shown && (now.tv_sec - first.tv_sec) * 1000 + (now.tv_nsec - first.tv_nsec) / 1000000 < 500)
                return;
        if (done >= total) {
                if (progress_shown)
                        fprintf(stderr, "\r%-12s 100%%            \n", what);
                progress_shown = false;
                return;
        }
        if (total >= (1u << 20))
                fprintf(stderr, "\r%-12s %3d%% (%llu/%llu MiB)", what, (int) (done * 100 / total),
                        (unsigned long long) (done >> 20), (unsigned long long) (total >> 20));
        else
                fprintf(stderr, "\r%-12s %3d%% (%llu/%llu)", what, (int) (done * 100 / total),
                        (unsigned long long) done, (unsigned long long) total);
        progress_shown = true;
}

int main(int argc, char **argv)
{
        struct cli cli = { 0 };
        int i = 1;
        for (; i < argc && argv[i][0] == '-'; i++) {
                const char *a = argv[i];
                if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
                        printf("baleine %s\n", bl_version());
                        return 0;
                }
                if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
                        return cmd_help(0, NULL);
                if (strcmp(a, "--root") == 0 || strcmp(a, "-r") == 0) {
                        if (++i >= argc)
                                return usage_error(NULL, "%s needs a folder", a);
                        cli.root = argv[i];
                } else if (strncmp(a, "--root=", 7) == 0)
                        cli.root = a + 7;
                else
                        return usage_error(NULL, "unknown option %s", a);
        }
        if (i >= argc)
                return usage_error(NULL, "no command given");
        const char *noun = argv[i];
        if (strcmp(noun, "help") == 0)
                return cmd_help(argc - i, argv + i);
        if (strcmp(noun, "version") == 0) {
                printf("baleine %s\n", bl_version());
                return 0;
        }

        if (cli.root && cli.root[0] != '/')
                return usage_error(NULL, "--root \"%s\": must be an absolute path", cli.root);
        int r = bl_ctx_new(&cli.ctx, cli.root);
        if (r < 0)
                return failf(1, "cannot create a context: %s", strerror(-r));
        bl_ctx_set_log(cli.ctx, log_to_stderr, NULL);
        if (isatty(STDERR_FILENO))
                bl_ctx_set_progress(cli.ctx, progress_to_tty, NULL);

        int (*fn)(struct cli *, int, char **) = NULL;
        if (strcmp(noun, "image") == 0)
                fn = cmd_image;
        else if (strcmp(noun, "container") == 0)
                fn = cmd_container;
        else if (strcmp(noun, "bridge") == 0)
                fn = cmd_bridge;
        else if (strcmp(noun, "check") == 0)
                fn = cmd_check;
        else if (strcmp(noun, "cron") == 0)
                fn = cmd_cron;
        else if (strcmp(noun, "pull") == 0)
                fn = cmd_pull;
        else if (strcmp(noun, "push") == 0)
                fn = cmd_push;
        else if (strcmp(noun, "login") == 0)
                fn = cmd_login;
        else if (strcmp(noun, "logout") == 0)
                fn = cmd_logout;
        if (!fn) {
                bl_ctx_free(cli.ctx);
                return usage_error(NULL, "unknown command \"%s\"", noun);
        }
        r = fn(&cli, argc - i, argv + i);
        bl_ctx_free(cli.ctx);
        fflush(stdout);
        return r;
}
