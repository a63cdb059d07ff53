/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static int image_create(struct cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
                { "image", required_argument, NULL, 'i' },
                { "size", required_argument, NULL, 's' },
                { "from", required_argument, NULL, 'F' },
                { "tar", required_argument, NULL, 'T' },
                { "debootstrap", required_argument, NULL, 'D' },
                { "include", required_argument, NULL, 'I' },
                { "mirror", required_argument, NULL, 'M' },
                { "empty", no_argument, NULL, 'E' },
                { "add", required_argument, NULL, 'A' },
                { "copy", required_argument, NULL, 'C' },
                { "cmd", required_argument, NULL, 'c' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *name = NULL, *size = NULL, *include = NULL, *mirror = NULL;
        bl_image_source source = BL_IMAGE_SOURCE_BUSYBOX;
        const char *source_arg = NULL;
        int nsources = 0;
        bl_image_config *cfg;
        char **cmd = calloc((size_t) argc + 1, sizeof(char *));
        size_t ncmd = 0;
        int r, c, ret = 0;
        if (!cmd || bl_image_config_new(cli->ctx, &cfg) < 0)
                return failf(1, "out of memory");

        optind = 1;
        while ((c = getopt_long(argc, argv, "+i:s:h", opts, NULL)) != -1) {
                switch (c) {
                case 'i': name = optarg; break;
                case 's': size = optarg; break;
                case 'F': source = BL_IMAGE_SOURCE_DIR; source_arg = optarg; nsources++; break;
                case 'T': source = BL_IMAGE_SOURCE_TAR; source_arg = optarg; nsources++; break;
                case 'D': source = BL_IMAGE_SOURCE_DEBOOTSTRAP; source_arg = optarg; nsources++; break;
                case 'E': source = BL_IMAGE_SOURCE_EMPTY; nsources++; break;
                case 'I': include = optarg; break;
                case 'M': mirror = optarg; break;
                case 'A': bl_image_config_add_program(cfg, optarg); break;
                case 'C': {
                        char *colon = strchr(optarg, ':');
                        if (colon)
                                *colon = 0;
                        bl_image_config_add_copy(cfg, optarg, colon ? colon + 1 : NULL);
                        break;
                }
                case 'c': cmd[ncmd++] = optarg; break;
                case 'h': help_noun("image"); goto out;
                default: ret = usage_error("image", "image create: bad option"); goto out;
                }
        }
        if (optind < argc && !name)
                name = argv[optind++];
        if (optind < argc) {
                ret = usage_error("image", "image create: unexpected argument \"%s\"", argv[optind]);
                goto out;
        }
        if (!name) {
                ret = usage_error("image", "image create: -i NAME is required");
                goto out;
        }
        if (nsources > 1) {
                ret = usage_error("image", "image create: give one source (--from, --tar, --debootstrap or --empty)");
                goto out;
        }
        if ((include || mirror) && source != BL_IMAGE_SOURCE_DEBOOTSTRAP) {
                ret = usage_error("image", "image create: --include and --mirror go with --debootstrap");
                goto out;
        }
        if (size) {
                uint64_t bytes;
                if ((r = bl_size_parse(cli->ctx, size, &bytes)) < 0) {
                        ret = failf(EXIT_USAGE, "image \"%s\": %s", name, bl_ctx_errmsg(cli->ctx));
                        goto out;
                }
                bl_image_config_set_size(cfg, bytes);
        }
        bl_image_config_set_source(cfg, source, source_arg);
        bl_image_config_set_debootstrap(cfg, include, mirror);
        if (ncmd)
                bl_image_config_set_cmd(cfg, cmd);
        if ((r = bl_image_create(cli->ctx, name, cfg)) < 0)
                ret = fail(cli, r);
out:
        bl_image_config_free(cfg);
        free(cmd);
        return ret;
}

static bool want_json(int argc, char **argv, int *ret_positional_index)
{
        bool json = false;
        *ret_positional_index = -1;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--json") == 0)
                        json = true;
                else if (*ret_positional_index < 0 && argv[i][0] != '-')
                        *ret_positional_index = i;
        }
        return json;
}

static int image_list(struct cli *cli, int argc, char **argv)
{
        int pos;
        bool json = want_json(argc, argv, &pos);
        if (pos >= 0)
                return usage_error("image", "image list: unexpected argument \"%s\"", argv[pos]);
        for (int i = 1; i < argc; i++)
                if (strcmp(argv[i], "--json") != 0)
                        return usage_error("image", "image list: unknown option %s", argv[i]);
        bl_record_list *list;
        int r = bl_image_list(cli->ctx, &list);
        if (r < 0)
                return fail(cli, r);
        if (json) {
                print_record_list_json(list);
        } else {
                printf("%-20s %-8s %-8s %-12s %s\n", "NAME", "SIZE", "USED", "SOURCE", "CREATED");
                for (size_t i = 0; i < bl_record_list_count(list); i++) {
                        const bl_record *rec = bl_record_list_get(list, i);
                        char size[32], used[32], created[32] = "-";
                        format_bytes(bl_record_get(rec, "size"), size, sizeof(size));
                        format_bytes(bl_record_get(rec, "allocated"), used, sizeof(used));
                        const char *c = bl_record_get(rec, "created");
                        if (c) {
                                time_t t = (time_t) atoll(c);
                                strftime(created, sizeof(created), "%Y-%m-%d %H:%M", localtime(&t));
                        }
                        printf("%-20s %-8s %-8s %-12s %s\n", bl_record_get(rec, "name"), size, used,
                               bl_record_get(rec, "source") ? bl_record_get(rec, "source") : "-", created);
                }
        }
        bl_record_list_free(list);
        return 0;
}

static int one_name(int argc, char **argv, const char *noun, const char *verb, const char **ret_name, bool *ret_json)
{
        *ret_name = NULL;
        if (ret_json)
                *ret_json = false;
        for (int i = 1; i < argc; i++) {
                if (ret_json && strcmp(argv[i], "--json") == 0)
                        *ret_json = true;
                else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        help_noun(noun);
                        return 0;
                } else if (argv[i][0] == '-')
                        return usage_error(noun, "%s %s: unknown option %s", noun, verb, argv[i]);
                else if (*ret_name)
                        return usage_error(noun, "%s %s: one name only", noun, verb);
                else
                        *ret_name = argv[i];
        }
        if (!*ret_name)
                return usage_error(noun, "%s %s: a name is required", noun, verb);
        return -1;
}

static int image_import(struct cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
                { "image", required_argument, NULL, 'i' },
                { "size", required_argument, NULL, 's' },
                { "tag", required_argument, NULL, 'T' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *name = NULL, *size = NULL, *tag = NULL, *path = NULL;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "i:s:h", opts, NULL)) != -1) {
                switch (c) {
                case 'i': name = optarg; break;
                case 's': size = optarg; break;
                case 'T': tag = optarg; break;
                case 'h': help_noun("image"); return 0;
                default: return usage_error("image", "image import: bad option");
                }
        }
        if (optind < argc)
                path = argv[optind++];
        if (optind < argc)
                return usage_error("image", "image import: unexpected \"%s\"", argv[optind]);
        if (!name || !path)
                return usage_error("image", "image import: -i NAME and FILE|DIR are required");
        bl_image_config *cfg;
        if (bl_image_config_new(cli->ctx, &cfg) < 0)
                return failf(1, "out of memory");
        int ret = 0;
        uint64_t bytes;
        if (size && bl_size_parse(cli->ctx, size, &bytes) < 0)
                ret = failf(EXIT_USAGE, "image \"%s\": %s", name, bl_ctx_errmsg(cli->ctx));
        else {
                if (size)
                        bl_image_config_set_size(cfg, bytes);
                bl_image_config_set_tag(cfg, tag);
                if (bl_image_import(cli->ctx, name, path, cfg) < 0)
                        ret = fail(cli, -1);
        }
        bl_image_config_free(cfg);
        return ret;
}

static int image_export(struct cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
                { "tag", required_argument, NULL, 'T' },
                { "format", required_argument, NULL, 'f' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *tag = NULL, *pos[2] = { 0 };
        bl_export_format format = BL_EXPORT_DOCKER_ARCHIVE;
        int npos = 0, c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (c) {
                case 'T': tag = optarg; break;
                case 'f':
                        if (strcmp(optarg, "docker") != 0 && strcmp(optarg, "oci") != 0)
                                return usage_error("image", "image export: --format docker or oci");
                        format = strcmp(optarg, "oci") == 0 ? BL_EXPORT_OCI_ARCHIVE : BL_EXPORT_DOCKER_ARCHIVE;
                        break;
                case 'h': help_noun("image"); return 0;
                default: return usage_error("image", "image export: bad option");
                }
        }
        while (optind < argc && npos < 2)
                pos[npos++] = argv[optind++];
        if (npos != 2 || optind < argc)
                return usage_error("image", "image export: NAME FILE are required");
        return bl_image_export(cli->ctx, pos[0], pos[1], tag, format) < 0 ? fail(cli, -1) : 0;
}

int cmd_image(struct cli *cli, int argc, char **argv)
{
        if (argc < 2)
                return usage_error("image", "image: a verb is required (create, list, inspect, remove)");
        const char *verb = argv[1];
        const char *name;
        bool json;
        int r;
        if (strcmp(verb, "create") == 0)
                return image_create(cli, argc - 1, argv + 1);
        if (strcmp(verb, "list") == 0 || strcmp(verb, "ls") == 0)
                return image_list(cli, argc - 1, argv + 1);
        if (strcmp(verb, "import") == 0)
                return image_import(cli, argc - 1, argv + 1);
        if (strcmp(verb, "export") == 0)
                return image_export(cli, argc - 1, argv + 1);
        if (strcmp(verb, "pull") == 0)
                return cmd_pull(cli, argc - 1, argv + 1);
        if (strcmp(verb, "push") == 0)
                return cmd_push(cli, argc - 1, argv + 1);
        if (strcmp(verb, "prune") == 0)
                return cmd_image_prune(cli, argc - 1, argv + 1);
        if (strcmp(verb, "remove") == 0 || strcmp(verb, "rm") == 0) {
                if ((r = one_name(argc - 1, argv + 1, "image", verb, &name, NULL)) >= 0)
                        return r;
                return bl_image_remove(cli->ctx, name) < 0 ? fail(cli, -1) : 0;
        }
        if (strcmp(verb, "inspect") == 0) {
                if ((r = one_name(argc - 1, argv + 1, "image", verb, &name, &json)) >= 0)
                        return r;
                bl_record *rec;
                if (bl_image_inspect(cli->ctx, name, &rec) < 0)
                        return fail(cli, -1);
                print_record(rec, json);
                bl_record_free(rec);
                return 0;
        }
        if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0) {
                help_noun("image");
                return 0;
        }
        return usage_error("image", "image: unknown verb \"%s\"", verb);
}
