/* summary: human account of a scrape; see summary.h. */
#include "exporter/summary.h"

#include "probes/krb5err.h"
#include "probes/ntstatus.h"

/*
 * An AD extended status says more than the krb5 code it came with
 * (STATUS_ACCOUNT_LOCKED_OUT against CLIENT_REVOKED's "disabled, locked
 * out or expired"), so its cause and fix are shown instead of the code's
 * when the table has them; an unknown status is shown with its number, and
 * the code's advice stands.
 */
void
summary_explain(struct sbuf *out, const struct probe_result *p,
                const char *indent)
{
    const struct krb5err_advice *adv =
        krb5err_advice(p->error.space, p->error.code);
    const struct ntstatus_advice *st = ntstatus_advice(p->status);

    if (p->message != NULL)
        sbuf_addf(out, "%smessage: %s\n", indent, p->message);
    if (p->status != 0)
        sbuf_addf(out, "%sstatus:  %s (0x%08lX, from the KDC's extended "
                  "error)\n", indent, ntstatus_name(p->status), p->status);
    if (st != NULL) {
        sbuf_addf(out, "%scause:   %s\n", indent, st->cause);
        sbuf_addf(out, "%sfix:     %s\n", indent, st->fix);
    } else if (adv != NULL) {
        sbuf_addf(out, "%scause:   %s\n", indent, adv->cause);
        sbuf_addf(out, "%sfix:     %s\n", indent, adv->fix);
    }
}

size_t
summary_write(struct sbuf *out, const struct realm_result *results, size_t n)
{
    size_t failed = 0, total = 0;

    for (size_t i = 0; i < n; i++) {
        const struct realm_result *r = &results[i];
        sbuf_addf(out, "realm %s\n", r->realm);
        for (size_t j = 0; j < r->n_probes; j++) {
            const struct probe_result *p = &r->probes[j];
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
            summary_explain(out, p, "        ");
        }
    }
    sbuf_addf(out, "%zu of %zu probes failed\n", failed, total);
    return failed;
}
