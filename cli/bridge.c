/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int bridge_create(struct cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
                { "bridge", required_argument, NULL, 'b' },
                { "address", required_argument, NULL, 'a' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *name = NULL, *addr = NULL;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "+b:a:h", opts, NULL)) != -1) {
                switch (c) {
                case 'b': name = optarg; break;
                case 'a': addr = optarg; break;
                case 'h': help_noun("bridge"); return 0;
                default: return usage_error("bridge", "bridge create: bad option");
                }
        }
        if (optind < argc && !name)
                name = argv[optind++];
        if (optind < argc)
                return usage_error("bridge", "bridge create: unexpected \"%s\"", argv[optind]);
        if (!name || !addr)
                return usage_error("bridge", "bridge create: -b NAME and -a ADDR/PREFIX are required");
        return bl_bridge_create(cli->ctx, name, addr) < 0 ? fail(cli, -1) : 0;
}

static int bridge_list(struct cli *cli, int argc, char **argv)
{
        bool json = false;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--json") == 0)
                        json = true;
                else
                        return usage_error("bridge", "bridge list: unexpected \"%s\"", argv[i]);
        }
        bl_record_list *list;
        if (bl_bridge_list(cli->ctx, &list) < 0)
                return fail(cli, -1);
        if (json)
                print_record_list_json(list);
        else {
                static const struct column cols[] = {
                        { "name", "NAME", 16 }, { "address", "ADDRESS", 20 }, { "state", "STATE", 8 }, { "containers", "CONTAINERS", 10 },
                };
                print_table(list, cols, 4);
        }
        bl_record_list_free(list);
        return 0;
}

int cmd_bridge(struct cli *cli, int argc, char **argv)
{
        if (argc < 2)
                return usage_error("bridge", "bridge: a verb is required");
        /* the seed's form: bridge -b NAME up|down */
        if (argc == 4 && strcmp(argv[1], "-b") == 0 && (strcmp(argv[3], "up") == 0 || strcmp(argv[3], "down") == 0))
                return bl_bridge_set_up(cli->ctx, argv[2], argv[3][0] == 'u') < 0 ? fail(cli, -1) : 0;
        const char *verb = argv[1];
        if (strcmp(verb, "create") == 0)
                return bridge_create(cli, argc - 1, argv + 1);
        if (strcmp(verb, "list") == 0 || strcmp(verb, "ls") == 0)
                return bridge_list(cli, argc - 1, argv + 1);
        if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0) {
                help_noun("bridge");
                return 0;
        }
        const char *name = NULL;
        bool force = false;
        for (int i = 2; i < argc; i++) {
                if (strcmp(argv[i], "--force") == 0 || strcmp(argv[i], "-f") == 0)
                        force = true;
                else if (strcmp(argv[i], "-b") == 0 && i + 1 < argc)
                        name = argv[++i];
                else if (argv[i][0] == '-')
                        return usage_error("bridge", "bridge %s: unknown option %s", verb, argv[i]);
                else if (name)
                        return usage_error("bridge", "bridge %s: one name only", verb);
                else
                        name = argv[i];
        }
        if (strcmp(verb, "remove") != 0 && strcmp(verb, "rm") != 0 && strcmp(verb, "up") != 0 && strcmp(verb, "down") != 0)
                return usage_error("bridge", "bridge: unknown verb \"%s\"", verb);
        if (!name)
                return usage_error("bridge", "bridge %s: a bridge name is required", verb);
        if (force && verb[0] != 'r')
                return usage_error("bridge", "bridge %s: --force goes with remove", verb);
        int r = verb[0] == 'r' ? bl_bridge_remove(cli->ctx, name, force) : bl_bridge_set_up(cli->ctx, name, verb[0] == 'u');
        return r < 0 ? fail(cli, r) : 0;
}
