/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The baleine command: thin front end over the public API only. */
#pragma once

#include <baleine/baleine.h>
#include <stdbool.h>

#define EXIT_USAGE 2

struct cli {
        bl_ctx *ctx;
        const char *root;
        bool json;
};

/* Prints "baleine: <message>" and returns 1. */
int fail(struct cli *cli, int r);
/* Prints "baleine: <formatted>" and returns `code`. */
int failf(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Usage error: prints the message and a hint, returns 2. */
int usage_error(const char *noun, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Output of records: a table of chosen columns, or JSON of every key,
 * typed (record_json_typed). */
struct column {
        const char *key;
        const char *title;
        int width;
};
void print_table(const bl_record_list *list, const struct column *cols, size_t ncols);
void print_record_list_json(const bl_record_list *list);
void print_record(const bl_record *rec, bool json);
/* --json with types: numbers, booleans, arrays and objects as such (keys
 * in skip left out; "net*" matches a prefix).  print_json frees o. */
struct json_object;
struct json_object *record_json_typed(const bl_record *rec, const char *const *skip);
void print_json(struct json_object *o);
/* A container as typed JSON: the typed info, networks and limits nested,
 * then the record's other keys typed; NULL when it is gone. */
struct json_object *container_json(struct cli *cli, const bl_record *rec);
/* "2h3m" from seconds */
void format_duration(long long sec, char *buf, size_t n);
void format_bytes(const char *bytes, char *buf, size_t n);

int cmd_image(struct cli *cli, int argc, char **argv);
int cmd_container(struct cli *cli, int argc, char **argv);
int cmd_bridge(struct cli *cli, int argc, char **argv);
int cmd_check(struct cli *cli, int argc, char **argv);
int cmd_cron(struct cli *cli, int argc, char **argv);
int cmd_help(int argc, char **argv);
/* registry.c */
int cmd_pull(struct cli *cli, int argc, char **argv);
int cmd_push(struct cli *cli, int argc, char **argv);
int cmd_image_prune(struct cli *cli, int argc, char **argv);
int cmd_login(struct cli *cli, int argc, char **argv);
int cmd_logout(struct cli *cli, int argc, char **argv);
void help_noun(const char *noun);
