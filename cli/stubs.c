#include "cli.h"
int cmd_container(struct cli *cli, int argc, char **argv) { (void)cli;(void)argc;(void)argv; return 1; }
int cmd_bridge(struct cli *cli, int argc, char **argv) { (void)cli;(void)argc;(void)argv; return 1; }
int cmd_check(struct cli *cli, int argc, char **argv) { (void)cli;(void)argc;(void)argv; return 1; }
int cmd_cron(struct cli *cli, int argc, char **argv) { (void)cli;(void)argc;(void)argv; return 1; }
