/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Device cgroup rules ("c 1:3 rwm"), from the command line and manifests;
 * a rule that parses is turned into the BPF program v2 loads. */
#include <linux/bpf.h>

#include "fuzz.h"
#include "cgroup/devices_bpf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *text = fuzz_string(data, size);
        struct dev_rule r;
        if (dev_rule_parse(text, size & 1, &r) < 0)
                return 0;
        fuzz_assert(r.type == 'a' || r.type == 'b' || r.type == 'c');
        fuzz_assert(r.access != 0);
        _cleanup_free_ struct bpf_insn *prog = NULL;
        size_t n;
        fuzz_assert(devices_bpf_build(&r, 1, false, &prog, &n) == 0 && n > 0);
        return 0;
}
