/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "net.h"

static uint32_t mask_of(int prefix)
{
        return prefix == 0 ? 0 : ~0u << (32 - prefix);
}

bool net_in_subnet(uint32_t addr, uint32_t net_addr, int prefix)
{
        return (addr & mask_of(prefix)) == (net_addr & mask_of(prefix));
}

bool net_subnets_overlap(uint32_t a, int pa, uint32_t b, int pb)
{
        int p = pa < pb ? pa : pb;
        return (a & mask_of(p)) == (b & mask_of(p));
}

int net_alloc_addr(uint32_t bridge_addr, int prefix, const uint32_t *used, size_t nused, uint32_t *ret)
{
        if (prefix < 1 || prefix > 30)
                return -EINVAL;
        uint32_t net = bridge_addr & mask_of(prefix);
        uint32_t bcast = net | ~mask_of(prefix);
        for (uint32_t a = net + 1; a < bcast; a++) {
                if (a == bridge_addr)
                        continue;
                bool taken = false;
                for (size_t i = 0; i < nused && !taken; i++)
                        taken = used[i] == a;
                if (!taken) {
                        *ret = a;
                        return 0;
                }
        }
        return -ENOSPC;
}
