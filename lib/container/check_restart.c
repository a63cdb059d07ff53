/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check's restart policies: on-failure[:N] and always, with a back-off. */
#include <time.h>

#include "check.h"

#define BACKOFF_BASE 10         /* seconds before the first retry */
#define BACKOFF_MAX 600
#define RUN_RESET 60            /* a run this long resets the back-off */

/* Whether the back-off since the last failures keeps it waiting. */
static bool backoff_waits(bl_ctx *ctx, const struct container_model *m, bl_record_list *out, uint64_t *ret_failures)
{
        uint64_t failures = m->restart_failures;
        if (m->finished_at && m->starting_time && m->finished_at - m->starting_time >= RUN_RESET)
                failures = 0;
        /* BALEINE_BACKOFF_BASE (seconds) shortens the wait, in test builds */
        uint64_t base = BACKOFF_BASE;
        const char *b = test_knob("BALEINE_BACKOFF_BASE");
        if (b)
                parse_u64(b, &base);
        uint64_t delay = failures ? base << (failures > 6 ? 6 : failures - 1) : 0;
        if (delay > BACKOFF_MAX)
                delay = BACKOFF_MAX;
        uint64_t now = (uint64_t) time(NULL);
        *ret_failures = failures;
        if (m->finished_at + delay <= now)
                return false;
        act(ctx, out, m->name, "wait", "restart in %llu s (back-off after %llu failures)", (unsigned long long) (m->finished_at + delay - now),
            (unsigned long long) failures);
        return true;
}

void restart_policy(bl_ctx *ctx, struct container_model *m, bool dry, bl_record_list *out)
{
        const char *name = m->name;
        char policy[32];
        if (m->restart == RESTART_UNSET || m->restart == RESTART_NO || m->state != CSTATE_EXITED)
                return;
        if (m->stopped_by_user)
                return; /* a user's stop suspends the policy until the next start */
        restart_format(m->restart, m->restart_max, policy);
        unsigned long long code = m->has_exit ? (unsigned long long) m->exit_code : 0, count = m->restart_count;
        if (m->restart == RESTART_ON_FAILURE) {
                if (code == 0)
                        return;
                if (m->restart_max && count >= m->restart_max) {
                        if (!m->restart_exhausted) {
                                act(ctx, out, name, "give-up", "exited %llu, %llu restarts done (%s)", code, count, policy);
                                if (!dry) {
                                        m->restart_exhausted = true;
                                        container_save(ctx, m);
                                }
                        }
                        return;
                }
        }
        uint64_t failures;
        if (backoff_waits(ctx, m, out, &failures))
                return;
        if (dry) {
                act(ctx, out, name, "restart", "would restart (policy %s, exit %llu)", policy, code);
                return;
        }
        m->restart_count = count + 1;
        m->restart_failures = failures + 1;
        int r = container_start_locked(ctx, m, 0, NULL, NULL);
        if (r < 0) {
                struct error e;
                ctx_error_take(ctx, &e);
                act(ctx, out, name, "restart-failed", "%s", e.msg);
                container_save(ctx, m);
        } else
                act(ctx, out, name, "restart", "restarted (policy %s, exit was %llu, restart %llu)", policy, code, count + 1);
}
