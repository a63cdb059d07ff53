/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Without libFuzzer (-Dfuzz=false, any compiler): runs a fuzz target once
 * over each file of the folders or files given, as systemd does, so the
 * seed corpus and every crasher found are regression tests of the unit
 * suite.  No input at all is a failure: a corpus that went missing must
 * not pass silently.
 */
#include <dirent.h>
#include <stdio.h>

#include "fuzz.h"

static int run_file(const char *path)
{
        _cleanup_free_ char *data = NULL;
        size_t len;
        if (read_file(path, &data, &len) < 0) {
                fprintf(stderr, "%s: cannot read\n", path);
                return -1;
        }
        LLVMFuzzerTestOneInput((const uint8_t *) data, len);
        return 1;
}

static int compare(const struct dirent **a, const struct dirent **b)
{
        return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
        int n = 0;
        for (int i = 1; i < argc; i++) {
                struct dirent **list;
                int k = scandir(argv[i], &list, NULL, compare);
                if (k < 0) {
                        if (run_file(argv[i]) < 0)
                                return 1;
                        n++;
                        continue;
                }
                for (int j = 0; j < k; j++) {
                        if (list[j]->d_name[0] != '.') {
                                _cleanup_free_ char *p = strdup_printf("%s/%s", argv[i], list[j]->d_name);
                                if (!p || run_file(p) < 0)
                                        return 1;
                                n++;
                        }
                        free(list[j]);
                }
                free(list);
        }
        printf("%d inputs replayed\n", n);
        return n > 0 ? 0 : 1;
}
