/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cpuset lists ("0-1,3"), from the command line and manifests. */
#include "fuzz.h"
#include "cgroup/cgroup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *text = fuzz_string(data, size);
        unsigned char mask[128];
        if (cpulist_parse(text, mask) < 0)
                return 0;
        size_t bits = 0;
        for (size_t i = 0; i < sizeof(mask); i++)
                bits += (size_t) __builtin_popcount(mask[i]);
        fuzz_assert(bits > 0);
        return 0;
}
