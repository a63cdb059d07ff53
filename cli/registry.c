/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Registry verbs: image pull, image push, image prune, login, logout
 * (pull and push also at the top level, as docker has them). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* --tls-verify=false and --insecure: a local registry (HTTP or unverified HTTPS) */
static int tls_flag(const char *arg, unsigned *flags)
{
        if (!arg || strcmp(arg, "false") == 0)
                *flags |= BL_REGISTRY_INSECURE;
        else if (strcmp(arg, "true") == 0)
                *flags &= ~(unsigned) BL_REGISTRY_INSECURE;
        else
                return -1;
        return 0;
}

static const struct option registry_opts[] = {
        { "image", required_argument, NULL, 'i' },
        { "tls-verify", required_argument, NULL, 'T' },
        { "insecure", no_argument, NULL, 'k' },
        { "username", required_argument, NULL, 'u' },
        { "password", required_argument, NULL, 'p' },
        { "password-stdin", no_argument, NULL, 'P' },
        { "platform", required_argument, NULL, 'X' },
        { "help", no_argument, NULL, 'h' },
        {},
};

int cmd_pull(struct cli *cli, int argc, char **argv)
{
        const char *name = NULL, *platform = NULL;
        unsigned flags = 0;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "+i:h", registry_opts, NULL)) != -1) {
                switch (c) {
                case 'i': name = optarg; break;
                case 'X': platform = optarg; break;
                case 'T': if (tls_flag(optarg, &flags) < 0) return usage_error("image", "pull: --tls-verify=true|false"); break;
                case 'k': flags |= BL_REGISTRY_INSECURE; break;
                case 'h': help_noun("image"); return 0;
                default: return usage_error("image", "pull: bad option");
                }
        }
        if (optind + 1 != argc)
                return usage_error("image", "pull: one REFERENCE is required");
        char *digest = NULL;
        if (bl_image_pull_platform(cli->ctx, argv[optind], name, platform, flags, &digest) < 0)
                return fail(cli, -1);
        printf("%s\n", digest);
        free(digest);
        return 0;
}

int cmd_push(struct cli *cli, int argc, char **argv)
{
        unsigned flags = 0;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "+h", registry_opts, NULL)) != -1) {
                switch (c) {
                case 'T': if (tls_flag(optarg, &flags) < 0) return usage_error("image", "push: --tls-verify=true|false"); break;
                case 'k': flags |= BL_REGISTRY_INSECURE; break;
                case 'h': help_noun("image"); return 0;
                default: return usage_error("image", "push: bad option");
                }
        }
        if (optind + 2 != argc)
                return usage_error("image", "push: NAME REFERENCE are required");
        char *digest = NULL;
        if (bl_image_push(cli->ctx, argv[optind], argv[optind + 1], flags, &digest) < 0)
                return fail(cli, -1);
        printf("%s\n", digest);
        free(digest);
        return 0;
}

int cmd_image_prune(struct cli *cli, int argc, char **argv)
{
        (void) argv;
        if (argc != 1)
                return usage_error("image", "image prune: no argument expected");
        uint64_t freed = 0;
        if (bl_image_prune_cache(cli->ctx, &freed) < 0)
                return fail(cli, -1);
        printf("freed %llu bytes of cached layers\n", (unsigned long long) freed);
        return 0;
}

int cmd_login(struct cli *cli, int argc, char **argv)
{
        const char *user = NULL, *password = NULL;
        bool from_stdin = false;
        unsigned flags = 0;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "+u:p:h", registry_opts, NULL)) != -1) {
                switch (c) {
                case 'u': user = optarg; break;
                case 'p': password = optarg; break;
                case 'P': from_stdin = true; break;
                case 'T': if (tls_flag(optarg, &flags) < 0) return usage_error("image", "login: --tls-verify=true|false"); break;
                case 'k': flags |= BL_REGISTRY_INSECURE; break;
                case 'h': help_noun("image"); return 0;
                default: return usage_error("image", "login: bad option");
                }
        }
        if (optind + 1 != argc || !user)
                return usage_error("image", "login: -u USER and a REGISTRY are required");
        char line[1024];
        if (from_stdin || !password) {
                if (!fgets(line, sizeof(line), stdin))
                        return failf(1, "login: no password on standard input");
                line[strcspn(line, "\r\n")] = 0;
                password = line;
        }
        if (bl_registry_login(cli->ctx, argv[optind], user, password, flags) < 0)
                return fail(cli, -1);
        printf("logged in to %s\n", argv[optind]);
        return 0;
}

int cmd_logout(struct cli *cli, int argc, char **argv)
{
        if (argc != 2)
                return usage_error("image", "logout: one REGISTRY is required");
        if (bl_registry_logout(cli->ctx, argv[1]) < 0)
                return fail(cli, -1);
        printf("logged out of %s\n", argv[1]);
        return 0;
}
