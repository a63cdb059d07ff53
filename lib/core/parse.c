/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>

#include "core.h"

#define NAME_MAX_LEN 64

BL_EXPORT int bl_name_check(bl_ctx *ctx, const char *what, const char *name)
{
        if (!what)
                what = "object";
        if (!name || !*name)
                return ctx_fail(ctx, EINVAL, "%s name is empty", what);
        size_t n = strlen(name);
        if (n > NAME_MAX_LEN)
                return ctx_fail(ctx, EINVAL, "%s \"%.20s...\": name longer than %d bytes", what, name, NAME_MAX_LEN);
        if (name[0] == '.' || name[0] == '-')
                return ctx_fail(ctx, EINVAL, "%s \"%s\": name may not start with '%c'", what, name, name[0]);
        for (const unsigned char *p = (const unsigned char *) name; *p; p++) {
                if (isalnum(*p) || *p == '_' || *p == '.' || *p == '-')
                        continue;
                if (*p < 0x20 || *p == 0x7f)
                        return ctx_fail(ctx, EINVAL, "%s name contains a control character", what);
                return ctx_fail(ctx, EINVAL, "%s \"%s\": name contains '%c' (allowed: letters, digits, _ . -)", what, name, *p);
        }
        return 0;
}

int parse_u64(const char *s, uint64_t *ret)
{
        if (!s || !isdigit((unsigned char) *s))
                return -EINVAL;
        errno = 0;
        char *end;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        if (*end)
                return -EINVAL;
        *ret = v;
        return 0;
}

BL_EXPORT int bl_size_parse(bl_ctx *ctx, const char *text, uint64_t *ret_bytes)
{
        if (!text || !*text)
                return ctx_fail(ctx, EINVAL, "size is empty");
        const char *p = text;
        uint64_t whole = 0, frac = 0, frac_div = 1;
        if (!isdigit((unsigned char) *p))
                return ctx_fail(ctx, EINVAL, "size \"%s\": not a number", text);
        for (; isdigit((unsigned char) *p); p++) {
                if (whole > (UINT64_MAX - 9) / 10)
                        return ctx_fail(ctx, ERANGE, "size \"%s\": too large", text);
                whole = whole * 10 + (uint64_t) (*p - '0');
        }
        if (*p == '.') {
                p++;
                if (!isdigit((unsigned char) *p))
                        return ctx_fail(ctx, EINVAL, "size \"%s\": malformed fraction", text);
                for (; isdigit((unsigned char) *p); p++)
                        if (frac_div < 1000000) {
                                frac = frac * 10 + (uint64_t) (*p - '0');
                                frac_div *= 10;
                        }
        }
        unsigned shift = 0;
        switch (toupper((unsigned char) *p)) {
        case 0: break;
        case 'B': shift = 0; p++; break;
        case 'K': shift = 10; p++; break;
        case 'M': shift = 20; p++; break;
        case 'G': shift = 30; p++; break;
        case 'T': shift = 40; p++; break;
        default:
                return ctx_fail(ctx, EINVAL, "size \"%s\": unknown unit '%c' (use K, M, G or T)", text, *p);
        }
        /* accept "64M", "64MB", "64MiB" */
        if (shift && (*p == 'i' || *p == 'I'))
                p++;
        if (shift && (*p == 'b' || *p == 'B'))
                p++;
        if (*p)
                return ctx_fail(ctx, EINVAL, "size \"%s\": trailing junk \"%s\"", text, p);
        if (shift && whole > (UINT64_MAX >> shift))
                return ctx_fail(ctx, ERANGE, "size \"%s\": too large", text);
        uint64_t bytes = whole << shift;
        if (frac) {
                if (!shift)
                        return ctx_fail(ctx, EINVAL, "size \"%s\": a fraction of a byte", text);
                uint64_t extra = (frac << shift) / frac_div;
                if (bytes > UINT64_MAX - extra)
                        return ctx_fail(ctx, ERANGE, "size \"%s\": too large", text);
                bytes += extra;
        }
        if (bytes == 0)
                return ctx_fail(ctx, EINVAL, "size \"%s\": must be greater than zero", text);
        *ret_bytes = bytes;
        return 0;
}

int parse_ipv4(const char *s, uint32_t *ret_addr)
{
        struct in_addr a;
        /* inet_pton accepts only dotted quads: no "10.1", no octal, no hex */
        if (!s || inet_pton(AF_INET, s, &a) != 1)
                return -EINVAL;
        *ret_addr = ntohl(a.s_addr);
        return 0;
}

int parse_ipv4_cidr(const char *s, uint32_t *ret_addr, int *ret_prefix)
{
        if (!s)
                return -EINVAL;
        const char *slash = strchr(s, '/');
        if (!slash || slash - s >= 16)
                return -EINVAL;
        char ip[16];
        memcpy(ip, s, (size_t) (slash - s));
        ip[slash - s] = 0;
        uint32_t a;
        if (parse_ipv4(ip, &a) < 0)
                return -EINVAL;
        uint64_t prefix;
        if (parse_u64(slash + 1, &prefix) < 0 || prefix > 32 || strlen(slash + 1) > 2)
                return -EINVAL;
        *ret_addr = a;
        *ret_prefix = (int) prefix;
        return 0;
}

void format_ipv4(uint32_t addr, char buf[16])
{
        snprintf(buf, 16, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff, addr & 0xff);
}

void format_size(uint64_t bytes, char buf[32])
{
        static const char units[] = "BKMGT";
        double v = (double) bytes;
        unsigned u = 0;
        while (v >= 1024 && u < 4) {
                v /= 1024;
                u++;
        }
        if (u == 0)
                snprintf(buf, 32, "%" PRIu64 "B", bytes);
        else if (v == (double) (uint64_t) v)
                snprintf(buf, 32, "%" PRIu64 "%c", (uint64_t) v, units[u]);
        else
                snprintf(buf, 32, "%.1f%c", v, units[u]);
}

int parse_user(const char *s, uid_t *ret_uid, gid_t *ret_gid)
{
        if (!s || !*s)
                return -EINVAL;
        char buf[64];
        if (strlen(s) >= sizeof(buf))
                return -EINVAL;
        strcpy(buf, s);
        char *colon = strchr(buf, ':');
        if (colon)
                *colon++ = 0;
        uint64_t u, g;
        if (parse_u64(buf, &u) < 0 || u >= UINT32_MAX)
                return -EINVAL;
        g = u;
        if (colon && (parse_u64(colon, &g) < 0 || g >= UINT32_MAX))
                return -EINVAL;
        *ret_uid = (uid_t) u;
        *ret_gid = (gid_t) g;
        return 0;
}
