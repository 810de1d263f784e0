/* debugpage: a realm probe explained; see debugpage.h. */
#include "exporter/debugpage.h"

#include <time.h>

#include "exporter/summary.h"
#include "probes/krb5err.h"

void
debugpage_write(struct sbuf *out, const struct realm_result *r,
                const char *steps, const char *metrics, double wall_start)
{
    time_t t = (time_t)wall_start;
    struct tm tm;
    char stamp[40];
    size_t failed = 0;

    gmtime_r(&t, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    sbuf_addf(out, "krb5_exporter debug probe of realm %s, started %s\n\n",
              r->realm, stamp);
    sbuf_add(out, "== Steps (time since the probe started) ==\n");
    sbuf_add(out, steps != NULL && steps[0] != '\0' ? steps
                                                    : "  (none recorded)\n");
    sbuf_add(out, "\n== Outcome ==\n");
    for (size_t i = 0; i < r->n_probes; i++) {
        const struct probe_result *p = &r->probes[i];
        sbuf_addf(out, "  %-4s %-9s %s (%.3f s)\n", p->success ? "ok" : "FAIL",
                  probe_kind_name(p->kind), p->target, p->duration_seconds);
        failed += !p->success;
    }
    sbuf_add(out, "\n== Errors ==\n");
    if (failed == 0)
        sbuf_add(out, "  none\n");
    for (size_t i = 0; i < r->n_probes; i++) {
        const struct probe_result *p = &r->probes[i];
        if (p->success)
            continue;
        sbuf_addf(out, "  %s %s\n    code:    %ld\n    name:    %s\n",
                  probe_kind_name(p->kind), p->target, p->error.code,
                  krb5err_name(p->error.space, p->error.code));
        summary_explain(out, p, "    ");
    }
    sbuf_add(out, "\n== Metrics ==\n");
    sbuf_add(out, metrics != NULL ? metrics : "");
}
