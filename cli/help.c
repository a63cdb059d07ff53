/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
        const char *noun;
        const char *text;
} helps[] = {
        { "image",
          "baleine image create -i NAME [-s SIZE] [SOURCE] [--add PROGRAM]... [--copy HOST[:PATH]]... [--cmd ARG]...\n"
          "      SOURCE: (default) built-in busybox rootfs | --from DIR | --tar FILE |\n"
          "              --debootstrap SUITE [--include PKGS] [--mirror URL] | --empty\n"
          "baleine image import -i NAME FILE|DIR [--tag REPO:TAG] [-s SIZE]   (docker save, OCI layout or archive)\n"
          "baleine image export NAME FILE [--tag REPO:TAG] [--format docker|oci]\n"
          "baleine image list [--json]\n"
          "baleine image inspect NAME [--json]\n"
          "baleine image remove NAME\n"
          "baleine image pull REFERENCE [-i NAME] [--tls-verify=false] [--platform OS/ARCH[/VARIANT]]   (also: baleine pull)\n"
          "baleine image push NAME REFERENCE [--tls-verify=false]        (also: baleine push)\n"
          "baleine image prune   (cached layers no pulled image names)\n"
          "baleine login -u USER [-p PASSWORD|--password-stdin] [--tls-verify=false] REGISTRY\n"
          "baleine logout REGISTRY\n" },
        { "container",
          "baleine container create -i IMAGE -c NAME [options] [-p PROGRAM [ARG...] | -- PROGRAM [ARG...]]\n"
          "      -e KEY=VAL  -w DIR  --hostname H  -u USER[:GROUP]  --entrypoint PROG\n"
          "      -t (terminal)  --attach  --rm  --no-start\n"
          "      -b BRIDGE [-a ADDR[/PREFIX]] (repeatable)  --restart no|on-failure[:N]|always\n"
          "      --memory SIZE  --cpus LIST  --cpu-quota N  --pids N\n"
          "      --disk-read-bps [DEV:]RATE  --disk-write-bps [DEV:]RATE\n"
          "      --device-allow RULE  --device-deny RULE  (RULE: \"c 1:3 rwm\")\n"
          "      --cap-add CAP  --cap-drop CAP  --privileged  --seccomp unconfined\n"
          "      --userns [--userns-range START:COUNT]\n"
          "baleine container start NAME [--attach]\n"
          "baleine container list [--all] [--json]\n"
          "baleine container inspect NAME [--json]\n"
          "baleine container stop NAME [-t SECONDS]\n"
          "baleine container restart NAME [-t SECONDS]\n"
          "baleine container remove NAME [--force]\n"
          "baleine container kill [-s SIGNAL] NAME   (default KILL; TERM, HUP, USR1... forwarded by its init)\n"
          "baleine container wait NAME [-t SECONDS]  (prints and returns the program's exit code)\n"
          "baleine container pause NAME | baleine container unpause NAME  (cgroup freezer)\n"
          "baleine container exec NAME [-t] [-e KEY=VAL] [-w DIR] [-u UID[:GID]] -- CMD [ARG...]\n"
          "baleine container logs NAME [-f] [--tail N]\n"
          "baleine container stats [NAME...] [--json]\n"
          "baleine container commit NAME IMAGE\n"
          "baleine container update NAME [--memory SIZE] [--cpus LIST] [--cpu-quota N] [--pids N]\n" },
        { "bridge",
          "baleine bridge create -b NAME -a ADDR/PREFIX\n"
          "baleine bridge list [--json]\n"
          "baleine bridge remove NAME [--force]\n"
          "baleine bridge up NAME | baleine bridge down NAME  (also: bridge -b NAME up|down)\n" },
        { "check",
          "baleine check [--dry-run] [--json]\n"
          "      reconciles every container with the kernel and applies restart policies\n" },
        { "cron",
          "baleine cron install [--every MINUTES]\n"
          "baleine cron remove\n"
          "baleine cron status\n" },
};

void help_noun(const char *noun)
{
        for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
                if (strcmp(helps[i].noun, noun) == 0)
                        fputs(helps[i].text, stdout);
}

int cmd_help(int argc, char **argv)
{
        if (argc >= 2) {
                for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
                        if (strcmp(helps[i].noun, argv[1]) == 0) {
                                fputs(helps[i].text, stdout);
                                return 0;
                        }
                return usage_error(NULL, "no help for \"%s\"", argv[1]);
        }
        printf("baleine %s: a daemonless container manager\n\n"
               "usage: baleine [--root DIR] NOUN VERB [OPTIONS]\n\n", bl_version());
        for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++) {
                fputs(helps[i].text, stdout);
                putchar('\n');
        }
        printf("State root: --root DIR, else $BALEINE_ROOT, else /var/lib/baleine.\n"
               "Exit status: 0 ok, 1 failure, 2 usage; commands that run a program return its status\n"
               "(125 baleine failed, 126 not executable, 127 not found, 128+N killed by signal N).\n");
        return 0;
}
