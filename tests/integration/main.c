/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

Suite *suite_lifecycle(void);
Suite *suite_limits(void);
Suite *suite_network(void);
Suite *suite_check(void);
Suite *suite_security(void);
Suite *suite_images(void);
Suite *suite_escape_exe(void);
Suite *suite_confinement(void);
Suite *suite_archive_attacks(void);
Suite *suite_races(void);
Suite *suite_chaos(void);
Suite *suite_redteam(void);
Suite *suite_embedding(void);
Suite *suite_api(void);

int main(int argc, char **argv)
{
        if (geteuid() != 0) {
                printf("SKIP: integration tests need root (loop devices, namespaces, cgroups, bridges)\n");
                return 77;
        }
        if (access("/bin/busybox", X_OK) != 0) {
                printf("SKIP: /bin/busybox missing (Debian package busybox-static)\n");
                return 77;
        }
        static const struct { const char *name; Suite *(*make)(void); } suites[] = {
                { "lifecycle", suite_lifecycle }, { "limits", suite_limits }, { "network", suite_network },
                { "check", suite_check }, { "security", suite_security }, { "images", suite_images },
                { "escape_exe", suite_escape_exe },
                { "confinement", suite_confinement },
                { "archive-attacks", suite_archive_attacks },
                { "races", suite_races },
                { "chaos", suite_chaos },
                { "redteam", suite_redteam },
                { "embedding", suite_embedding },
                { "api", suite_api },
        };
        SRunner *sr = NULL;
        for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
                if (argc > 1 && strcmp(argv[1], suites[i].name) != 0)
                        continue;
                if (!sr)
                        sr = srunner_create(suites[i].make());
                else
                        srunner_add_suite(sr, suites[i].make());
        }
        if (!sr) {
                fprintf(stderr, "no suite named %s\n", argv[1]);
                return 2;
        }
        srunner_run_all(sr, CK_NORMAL);
        int failed = srunner_ntests_failed(sr);
        /* a failed test skips its teardown: nothing it made may outlive the run */
        cleanup_stale_roots();
        srunner_free(sr);
        return failed ? 1 : 0;
}
