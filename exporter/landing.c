/* landing: the status page at /; see landing.h. */
#include "exporter/landing.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "exporter/html.h"
#include "probes/krb5err.h"
#include "probes/ntstatus.h"

/*
 * Inline, so that the page needs nothing else.  Colour is never the only
 * sign: every result also says OK or FAIL in words.  color-scheme lets a
 * phone in dark mode keep its dark background.
 */
static const char style[] =
    ":root{color-scheme:light dark}"
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;"
    "margin:0 auto;padding:.75rem;max-width:60rem;line-height:1.4}"
    "h1{font-size:1.3rem;margin:0}"
    "h2{font-size:1.15rem;margin:0;overflow-wrap:anywhere}"
    ".summary{font-size:1.1rem;font-weight:600;margin:.5rem 0}"
    ".card{border:1px solid #8886;border-left:.5rem solid #888;"
    "border-radius:.4rem;padding:.5rem .75rem;margin:.75rem 0}"
    ".card.ok{border-left-color:#1a7f4b}.card.fail{border-left-color:#c62828}"
    ".badge{display:inline-block;font-size:.8rem;font-weight:700;"
    "padding:0 .4rem;border-radius:.3rem;color:#fff;background:#666;"
    "vertical-align:middle}"
    ".ok>h2 .badge{background:#1a7f4b}.fail>h2 .badge{background:#c62828}"
    ".meta,.links,.foot{font-size:.9rem}.stale{font-weight:700}"
    "ul.probes{list-style:none;padding:0;margin:.5rem 0}"
    "ul.probes>li{padding:.3rem 0;border-top:1px solid #8884;"
    "overflow-wrap:anywhere}"
    ".res{display:inline-block;min-width:2.6rem;font-weight:700}"
    "li.ok .res{color:#1a7f4b}li.fail .res{color:#c62828}"
    ".kind{font-weight:600}"
    "code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:0 .6rem;"
    "margin:.3rem 0 .2rem .8rem}"
    "dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}"
    "@media (max-width:32rem){dl{grid-template-columns:1fr;margin-left:.4rem}"
    "dd{margin-bottom:.2rem}}"
    "details{margin:.4rem 0;font-size:.9rem}";

void
landing_add_age(struct sbuf *b, double seconds)
{
    long s = seconds > 0 ? (long)seconds : 0;

    if (s < 60)
        sbuf_addf(b, "%ld s", s);
    else if (s < 3600)
        sbuf_addf(b, "%ld min %ld s", s / 60, s % 60);
    else if (s < 86400)
        sbuf_addf(b, "%ld h %ld min", s / 3600, s % 3600 / 60);
    else
        sbuf_addf(b, "%ld d %ld h", s / 86400, s % 86400 / 3600);
}

/* Append a unix time as "2025-01-02 03:04:05 UTC". */
static void
add_wall(struct sbuf *b, double wall)
{
    time_t t = (time_t)wall;
    struct tm tm;
    char stamp[40];

    if (gmtime_r(&t, &tm) == NULL ||
        strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        return;
    sbuf_add(b, stamp);
}

/* Number of failed probes in r. */
static size_t
count_failed(const struct realm_result *r)
{
    size_t n = 0;

    for (size_t i = 0; i < r->n_probes; i++)
        n += !r->probes[i].success;
    return n;
}

/* The link to realm's page: "probe?realm=R" plus suffix (HTML). */
static void
add_probe_link(struct sbuf *b, const char *realm, const char *suffix,
               const char *text)
{
    sbuf_add(b, "<a href=\"probe?realm=");
    html_add_query_value(b, realm);
    sbuf_add(b, suffix);
    sbuf_add(b, "\">");
    sbuf_add(b, text);
    sbuf_add(b, "</a>");
}

/* One <dt>/<dd> pair; the value is escaped. */
static void
add_item(struct sbuf *b, const char *term, const char *value)
{
    sbuf_add(b, "<dt>");
    sbuf_add(b, term);
    sbuf_add(b, "</dt><dd>");
    html_add_text(b, value);
    sbuf_add(b, "</dd>");
}

/*
 * A failure explained: code, name, the AD extended status when there is
 * one, the cause and the first fix.  The advice is chosen as --once
 * chooses it (summary_explain): a status the ntstatus table knows says
 * more than the krb5 code it came with, so its cause and fix win.
 */
static void
add_failure(struct sbuf *b, const struct realm_result *r,
            const struct probe_result *p)
{
    const struct krb5err_advice *adv =
        krb5err_advice(p->error.space, p->error.code);
    const struct ntstatus_advice *st = ntstatus_advice(p->status);
    char num[32];

    sbuf_add(b, "<dl>");
    snprintf(num, sizeof(num), "%ld", p->error.code);
    add_item(b, "code", num);
    add_item(b, "name", krb5err_name(p->error.space, p->error.code));
    if (p->status != 0) {
        snprintf(num, sizeof(num), " (0x%08lX)", p->status);
        sbuf_add(b, "<dt>status</dt><dd>");
        html_add_text(b, ntstatus_name(p->status));
        html_add_text(b, num);
        sbuf_add(b, "</dd>");
    }
    if (st != NULL) {
        add_item(b, "cause", st->cause);
        add_item(b, "first fix", st->fix);
    } else if (adv != NULL) {
        add_item(b, "cause", adv->cause);
        add_item(b, "first fix", adv->fix);
    }
    if (p->message != NULL && p->message[0] != '\0')
        add_item(b, "message", p->message);
    if (p->skipped) {
        sbuf_add(b, "<dt>note</dt><dd>not sent: the lockout guard holds the "
                    "credentials back");
        if (r->backoff_left > 0) {
            sbuf_add(b, " for ");
            landing_add_age(b, r->backoff_left);
            sbuf_add(b, " more");
        }
        sbuf_add(b, "; this is the last error, unchanged</dd>");
    }
    sbuf_add(b, "</dl>");
}

/* One probe's line, and its explanation when it failed. */
static void
add_probe(struct sbuf *b, const struct realm_result *r,
          const struct probe_result *p)
{
    sbuf_add(b, p->success ? "<li class=\"ok\"><span class=\"res\">OK</span> "
                           : "<li class=\"fail\"><span class=\"res\">FAIL"
                             "</span> ");
    sbuf_add(b, "<span class=\"kind\">");
    html_add_text(b, probe_kind_name(p->kind));
    sbuf_add(b, "</span> <code>");
    html_add_text(b, p->target != NULL ? p->target : "");
    sbuf_addf(b, "</code> <span class=\"dur\">%.3f s</span>",
              p->duration_seconds);
    if (p->kind == PROBE_KDC && p->target != NULL) {
        for (size_t k = 0; k < r->n_kdcs; k++) {
            const struct kdc_info *kdc = &r->kdcs[k];
            if (kdc->has_skew && kdc->target != NULL &&
                strcmp(kdc->target, p->target) == 0) {
                if (fabs(kdc->skew_seconds) < 0.05)
                    sbuf_add(b, " <span class=\"skew\">clock in step</span>");
                else
                    sbuf_addf(b, " <span class=\"skew\">clock %+.1f s"
                                 "</span>", kdc->skew_seconds);
                break;
            }
        }
    }
    if (!p->success)
        add_failure(b, r, p);
    sbuf_add(b, "</li>\n");
}

/* What the config says of the realm, folded away (no script needed). */
static void
add_config(struct sbuf *b, const struct conf_realm *c)
{
    sbuf_add(b, "<details><summary>configuration</summary><dl>");
    sbuf_add(b, c->n_clients > 1 ? "<dt>clients</dt><dd>" : "<dt>client</dt>"
                                                            "<dd>");
    for (size_t k = 0; k < c->n_clients; k++) {
        sbuf_add(b, k ? "<br>" : "");
        html_add_text(b, c->clients[k].principal);
    }
    sbuf_add(b, "</dd><dt>KDCs</dt><dd>");
    if (c->n_kdcs == 0)
        sbuf_add(b, "from DNS");
    for (size_t k = 0; k < c->n_kdcs; k++) {
        sbuf_add(b, k ? ", " : "");
        html_add_text(b, c->kdcs[k].host);
        sbuf_addf(b, ":%u", (unsigned)c->kdcs[k].port);
    }
    sbuf_add(b, "</dd><dt>transport</dt><dd>");
    html_add_text(b, conf_transport_name(c->transport));
    sbuf_add(b, "</dd><dt>services</dt><dd>");
    if (c->n_services == 0)
        sbuf_add(b, "none");
    for (size_t k = 0; k < c->n_services; k++) {
        sbuf_add(b, k ? "<br>" : "");
        html_add_text(b, c->services[k]);
    }
    sbuf_add(b, "</dd></dl></details>\n");
}

/* The card of realm i. */
static void
add_card(struct sbuf *b, size_t i, const struct conf_realm *c,
         const struct landing_realm *l, double now)
{
    const struct realm_result *r = l->result;
    size_t failed = r != NULL ? count_failed(r) : 0;
    double age = r != NULL ? now - l->at : 0;

    sbuf_addf(b, "<section class=\"card %s\" id=\"realm-%zu\">\n<h2>",
              r == NULL ? "none" : failed ? "fail" : "ok", i + 1);
    html_add_text(b, c->realm);
    sbuf_add(b, r == NULL ? " <span class=\"badge\">NOT PROBED YET</span>"
                : failed ? " <span class=\"badge\">FAILING</span>"
                         : " <span class=\"badge\">OK</span>");
    sbuf_add(b, "</h2>\n<p class=\"meta\">");
    if (r == NULL) {
        sbuf_add(b, "Not probed yet: no scrape of /metrics or /probe has "
                    "reached this realm since the exporter started or the "
                    "realm was added.</p>\n");
    } else {
        sbuf_add(b, "Probed ");
        landing_add_age(b, age);
        sbuf_add(b, " ago (");
        add_wall(b, l->at_wall);
        sbuf_addf(b, "): %zu of %zu probes failing.", failed, r->n_probes);
        if (age > LANDING_STALE_SECONDS)
            sbuf_add(b, " <span class=\"stale\">Stale: nothing has scraped "
                        "this realm since; is Prometheus scraping?</span>");
        if (r->backoff_left > 0) {
            sbuf_add(b, " Lockout guard: the credentials had ");
            landing_add_age(b, r->backoff_left);
            sbuf_add(b, " of rest left then.");
        }
        sbuf_add(b, "</p>\n<ul class=\"probes\">\n");
        for (size_t k = 0; k < r->n_probes; k++)
            add_probe(b, r, &r->probes[k]);
        sbuf_add(b, "</ul>\n");
    }
    sbuf_add(b, "<p class=\"links\">Probe now: ");
    add_probe_link(b, c->realm, "", "metrics");
    sbuf_add(b, " &middot; ");
    add_probe_link(b, c->realm, "&amp;debug=true", "debug page");
    sbuf_add(b, "</p>\n");
    add_config(b, c);
    sbuf_add(b, "</section>\n");
}

/* The line at the top: what is failing, with links to those cards. */
static void
add_summary(struct sbuf *b, const struct landing_input *in, size_t failing,
            size_t unprobed)
{
    const struct conf *conf = in->conf;
    size_t n = conf->n_realms, listed = 0;

    sbuf_add(b, "<p class=\"summary\">");
    if (failing == 0)
        sbuf_addf(b, "No realm failing (%zu of %zu probed).",
                  n - unprobed, n);
    else
        sbuf_addf(b, "%zu of %zu realm%s failing: ", failing, n,
                  n == 1 ? "" : "s");
    for (size_t i = 0; i < n && failing > 0; i++) {
        const struct realm_result *r = in->realms[i].result;
        if (r == NULL || count_failed(r) == 0)
            continue;
        sbuf_addf(b, "%s<a href=\"#realm-%zu\">", listed++ ? ", " : "",
                  i + 1);
        html_add_text(b, conf->realms[i].realm);
        sbuf_add(b, "</a>");
    }
    if (failing > 0 && unprobed > 0)
        sbuf_addf(b, "; %zu not probed yet", unprobed);
    sbuf_add(b, "</p>\n");
}

void
landing_write(struct sbuf *b, const struct landing_input *in)
{
    const struct conf *conf = in->conf;
    size_t failing = 0, unprobed = 0;

    for (size_t i = 0; i < conf->n_realms; i++) {
        const struct realm_result *r = in->realms[i].result;
        if (r == NULL)
            unprobed++;
        else if (count_failed(r) > 0)
            failing++;
    }
    sbuf_addf(b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
                 "<meta charset=\"utf-8\">\n"
                 "<meta name=\"viewport\" content=\"width=device-width, "
                 "initial-scale=1\">\n"
                 "<meta http-equiv=\"refresh\" content=\"%d\">\n"
                 "<title>", LANDING_REFRESH_SECONDS);
    if (failing > 0)
        sbuf_addf(b, "%zu failing - ", failing);
    sbuf_add(b, "krb5_exporter</title>\n<style>");
    sbuf_add(b, style);
    sbuf_add(b, "</style>\n</head><body>\n<h1>krb5_exporter: Kerberos "
                "status</h1>\n");
    add_summary(b, in, failing, unprobed);
    for (size_t i = 0; i < conf->n_realms; i++)
        add_card(b, i, &conf->realms[i], &in->realms[i], in->now);
    sbuf_addf(b, "<p class=\"foot\">The latest result of each realm, as the "
                 "last scrape of /metrics or /probe left it. This page "
                 "probes nothing and sends no KDC a request; it reloads "
                 "itself every %d s.</p>\n", LANDING_REFRESH_SECONDS);
    sbuf_add(b, "<p class=\"foot\"><a href=\"metrics\">/metrics</a> (probes "
                "every realm now) &middot; <a href=\"-/healthy\">/-/healthy"
                "</a> &middot; <a href=\"-/ready\">/-/ready</a> &middot; "
                "krb5_exporter ");
    html_add_text(b, in->version);
    sbuf_add(b, "</p>\n</body></html>\n");
}
