/* summary: human account of a scrape; see summary.h. */
#include "exporter/summary.h"

#include "probes/krb5err.h"

size_t
summary_write(struct sbuf *out, const struct realm_result *results, size_t n)
{
    size_t failed = 0, total = 0;

    for (size_t i = 0; i < n; i++) {
        const struct realm_result *r = &results[i];
        sbuf_addf(out, "realm %s\n", r->realm);
        for (size_t j = 0; j < r->n_probes; j++) {
            const struct probe_result *p = &r->probes[j];
            const struct krb5err_advice *adv;
            total++;
            if (p->success) {
                sbuf_addf(out, "  ok    %-8s %s (%.3f s)\n",
                          probe_kind_name(p->kind), p->target,
                          p->duration_seconds);
                continue;
            }
            failed++;
            sbuf_addf(out, "  FAIL  %-8s %s: %s (%ld)\n",
                      probe_kind_name(p->kind), p->target,
                      krb5err_name(p->error.space, p->error.code),
                      p->error.code);
            if (p->message != NULL)
                sbuf_addf(out, "        message: %s\n", p->message);
            adv = krb5err_advice(p->error.space, p->error.code);
            if (adv != NULL) {
                sbuf_addf(out, "        cause:   %s\n", adv->cause);
                sbuf_addf(out, "        fix:     %s\n", adv->fix);
            }
        }
    }
    sbuf_addf(out, "%zu of %zu probes failed\n", failed, total);
    return failed;
}
