/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Addresses and CIDRs ("10.88.0.1/16"), from the command line and
 * manifests: what parses formats back to the same address. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *text = fuzz_string(data, size);
        uint32_t a, b;
        int prefix;
        char buf[16];
        if (parse_ipv4_cidr(text, &a, &prefix) == 0) {
                fuzz_assert(prefix >= 0 && prefix <= 32);
                format_ipv4(a, buf);
                fuzz_assert(parse_ipv4(buf, &b) == 0 && a == b);
                fuzz_assert(strncmp(text, buf, strlen(buf)) == 0 && text[strlen(buf)] == '/');
        }
        if (parse_ipv4(text, &a) == 0) {
                format_ipv4(a, buf);
                fuzz_assert(strcmp(buf, text) == 0);
        }
        return 0;
}
