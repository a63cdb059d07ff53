/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <libgen.h>

#include "runtime.h"

/* Installed beside the library (BL_INIT_PATH), or next to the baleine
 * program of a build tree; $BALEINE_INIT overrides both. */
const char *init_binary(void)
{
        static char found[4096];
        static bool looked;
        if (looked)
                return *found ? found : NULL;
        looked = true;
        const char *env = getenv("BALEINE_INIT");
        if (env && *env && access(env, X_OK) == 0)
                return snprintf(found, sizeof(found), "%s", env), found;
        if (access(BL_INIT_PATH, X_OK) == 0)
                return snprintf(found, sizeof(found), "%s", BL_INIT_PATH), found;
        char exe[4000];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n > 0) {
                exe[n] = 0;
                char *dir = dirname(exe);
                static const char *const rel[] = { "baleine-init", "../lib/baleine-init", "../../lib/baleine-init" };
                for (size_t i = 0; i < ARRAY_SIZE(rel); i++) {
                        snprintf(found, sizeof(found), "%s/%s", dir, rel[i]);
                        if (access(found, X_OK) == 0)
                                return found;
                }
        }
        found[0] = 0;
        return NULL;
}
