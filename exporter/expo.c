/* expo: results -> Prometheus text exposition; see expo.h. */
#include "exporter/expo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/krb5err.h"
#include "probes/ntstatus.h"

void
expo_escape_label(struct sbuf *out, const char *value)
{
    const char *run = value;

    for (const char *p = value; *p != '\0'; p++) {
        const char *rep = NULL;

        if (*p == '\\')
            rep = "\\\\";
        else if (*p == '"')
            rep = "\\\"";
        else if (*p == '\n')
            rep = "\\n";
        if (rep == NULL)
            continue;
        sbuf_addn(out, run, (size_t)(p - run));
        sbuf_add(out, rep);
        run = p + 1;
    }
    sbuf_add(out, run);
}

void
expo_escape_help(struct sbuf *out, const char *text)
{
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '\\')
            sbuf_add(out, "\\\\");
        else if (*p == '\n')
            sbuf_add(out, "\\n");
        else
            sbuf_addn(out, p, 1);
    }
}

void
expo_format_value(char buf[40], double v)
{
    if (isnan(v)) {
        strcpy(buf, "NaN");
    } else if (isinf(v)) {
        strcpy(buf, v > 0 ? "+Inf" : "-Inf");
    } else if (fabs(v) < 9007199254740992.0 && v == (double)(long long)v &&
               !(v == 0 && signbit(v))) {
        /* Whole numbers (0, 1, kvnos, counters, timestamps) are most of
         * what is written: print them as integers, without the float
         * round trip below. */
        snprintf(buf, 40, "%lld", (long long)v);
    } else {
        /* %.15g is exact for most values people read (0.25, 1.5e9); fall
         * back to %.17g where it would not read back the same double. */
        snprintf(buf, 40, "%.15g", v);
        if (strtod(buf, NULL) != v)
            snprintf(buf, 40, "%.17g", v);
    }
}

static void
family(struct sbuf *out, const char *name, const char *type, const char *help)
{
    sbuf_addf(out, "# HELP %s ", name);
    expo_escape_help(out, help);
    sbuf_addf(out, "\n# TYPE %s %s\n", name, type);
}

/* A sample with up to six labels; names[i] NULL ends the list. */
static void
sample(struct sbuf *out, const char *name, const char *const *names,
       const char *const *values, double v)
{
    char num[40];

    sbuf_add(out, name);
    if (names[0] != NULL) {
        sbuf_add(out, "{");
        for (size_t i = 0; names[i] != NULL; i++) {
            if (i > 0)
                sbuf_add(out, ",");
            sbuf_add(out, names[i]);
            sbuf_add(out, "=\"");
            expo_escape_label(out, values[i]);
            sbuf_add(out, "\"");
        }
        sbuf_add(out, "}");
    }
    expo_format_value(num, v);
    sbuf_add(out, " ");
    sbuf_add(out, num);
    sbuf_add(out, "\n");
}

static size_t
count_probes(const struct expo_snapshot *s, int failed_only)
{
    size_t n = 0;

    for (size_t i = 0; i < s->n_realms; i++)
        for (size_t j = 0; j < s->realms[i].n_probes; j++)
            if (!failed_only || !s->realms[i].probes[j].success)
                n++;
    return n;
}

static void
write_probe_families(struct sbuf *out, const struct expo_snapshot *s)
{
    static const char *const names[] = { "realm", "probe", "target", NULL };
    static const char *const err_names[] = { "realm", "probe", "target",
                                             "code", "name", "status",
                                             NULL };

    if (count_probes(s, 0) > 0) {
        family(out, "krb5_probe_success", "gauge",
               "1 if the probe succeeded in this scrape, 0 if it failed.");
        for (size_t i = 0; i < s->n_realms; i++) {
            const struct realm_result *r = &s->realms[i];
            for (size_t j = 0; j < r->n_probes; j++) {
                const struct probe_result *p = &r->probes[j];
                const char *v[] = { r->realm, probe_kind_name(p->kind),
                                    p->target };
                sample(out, "krb5_probe_success", names, v, p->success);
            }
        }
        family(out, "krb5_probe_duration_seconds", "gauge",
               "How long the probe took in this scrape, in seconds.");
        for (size_t i = 0; i < s->n_realms; i++) {
            const struct realm_result *r = &s->realms[i];
            for (size_t j = 0; j < r->n_probes; j++) {
                const struct probe_result *p = &r->probes[j];
                const char *v[] = { r->realm, probe_kind_name(p->kind),
                                    p->target };
                sample(out, "krb5_probe_duration_seconds", names, v,
                       p->duration_seconds);
            }
        }
    }
    if (count_probes(s, 1) > 0) {
        family(out, "krb5_probe_error", "gauge",
               "1 for each probe failing in this scrape, with its error "
               "code and symbolic name, and the NTSTATUS of an Active "
               "Directory extended error (empty when none).");
        for (size_t i = 0; i < s->n_realms; i++) {
            const struct realm_result *r = &s->realms[i];
            for (size_t j = 0; j < r->n_probes; j++) {
                const struct probe_result *p = &r->probes[j];
                char code[24];
                if (p->success)
                    continue;
                snprintf(code, sizeof(code), "%ld", p->error.code);
                const char *v[] = { r->realm, probe_kind_name(p->kind),
                                    p->target, code,
                                    krb5err_name(p->error.space,
                                                 p->error.code),
                                    ntstatus_name(p->status) };
                sample(out, "krb5_probe_error", err_names, v, 1);
            }
        }
    }
}

static void
write_error_totals(struct sbuf *out, const struct expo_snapshot *s)
{
    static const char *const names[] = { "realm", "probe", "code", "name",
                                         "status", NULL };

    if (s->n_errors == 0)
        return;
    family(out, "krb5_probe_errors_total", "counter",
           "Failed probes since the exporter started, by error and Active "
           "Directory extended status.");
    for (size_t i = 0; i < s->n_errors; i++) {
        const struct error_count *e = &s->errors[i];
        char code[24];
        snprintf(code, sizeof(code), "%ld", e->error.code);
        const char *v[] = { e->realm, probe_kind_name(e->kind), code,
                            krb5err_name(e->error.space, e->error.code),
                            ntstatus_name(e->status) };
        sample(out, "krb5_probe_errors_total", names, v, (double)e->count);
    }
}

static void
write_service_families(struct sbuf *out, const struct expo_snapshot *s)
{
    static const char *const info_names[] = { "realm", "service", "principal",
                                              NULL };
    static const char *const kvno_names[] = { "realm", "principal", NULL };
    size_t n_info = 0, n_kvno = 0;

    for (size_t i = 0; i < s->n_realms; i++) {
        for (size_t j = 0; j < s->realms[i].n_services; j++) {
            n_info += s->realms[i].services[j].principal != NULL;
            n_kvno += s->realms[i].services[j].kvno >= 0;
        }
    }
    if (n_info > 0) {
        family(out, "krb5_service_principal_info", "gauge",
               "Maps each configured service to the principal actually "
               "used.");
        for (size_t i = 0; i < s->n_realms; i++) {
            const struct realm_result *r = &s->realms[i];
            for (size_t j = 0; j < r->n_services; j++) {
                const struct service_info *sv = &r->services[j];
                if (sv->principal == NULL)
                    continue;
                const char *v[] = { r->realm, sv->service, sv->principal };
                sample(out, "krb5_service_principal_info", info_names, v, 1);
            }
        }
    }
    if (n_kvno > 0) {
        family(out, "krb5_service_ticket_kvno", "gauge",
               "Key version number of the service ticket issued in this "
               "scrape.");
        for (size_t i = 0; i < s->n_realms; i++) {
            const struct realm_result *r = &s->realms[i];
            for (size_t j = 0; j < r->n_services; j++) {
                const struct service_info *sv = &r->services[j];
                if (sv->kvno < 0 || sv->principal == NULL)
                    continue;
                const char *v[] = { r->realm, sv->principal };
                sample(out, "krb5_service_ticket_kvno", kvno_names, v,
                       sv->kvno);
            }
        }
    }
}

static void
write_kdc_families(struct sbuf *out, const struct expo_snapshot *s)
{
    static const char *const disc_names[] = { "realm", "source", NULL };
    static const char *const skew_names[] = { "realm", "target", NULL };
    int any_disc = 0, any_skew = 0;

    for (size_t i = 0; i < s->n_realms; i++) {
        any_disc |= s->realms[i].has_discovered;
        for (size_t j = 0; j < s->realms[i].n_kdcs; j++)
            any_skew |= s->realms[i].kdcs[j].has_skew;
    }
    if (any_disc) {
        family(out, "krb5_kdc_discovered", "gauge",
               "Number of KDC endpoints found for the realm, by source "
               "(config, dns_uri or dns_srv).");
        for (size_t i = 0; i < s->n_realms; i++) {
            const struct realm_result *r = &s->realms[i];
            if (!r->has_discovered)
                continue;
            const char *v[] = { r->realm, r->discovered.source };
            sample(out, "krb5_kdc_discovered", disc_names, v,
                   (double)r->discovered.count);
        }
    }
    if (any_skew) {
        family(out, "krb5_kdc_clock_skew_seconds", "gauge",
               "The KDC's clock minus the exporter's, read from the KDC's "
               "reply, in seconds.");
        for (size_t i = 0; i < s->n_realms; i++) {
            const struct realm_result *r = &s->realms[i];
            for (size_t j = 0; j < r->n_kdcs; j++) {
                const struct kdc_info *k = &r->kdcs[j];
                if (!k->has_skew)
                    continue;
                const char *v[] = { r->realm, k->target };
                sample(out, "krb5_kdc_clock_skew_seconds", skew_names, v,
                       k->skew_seconds);
            }
        }
    }
}

/* Does any realm have a client for which has(client) holds? */
static int
any_client(const struct expo_snapshot *s,
           int (*has)(const struct client_info *ci))
{
    for (size_t i = 0; i < s->n_realms; i++)
        for (size_t j = 0; j < s->realms[i].n_clients; j++)
            if (has(&s->realms[i].clients[j]))
                return 1;
    return 0;
}

static int has_password_expiry(const struct client_info *ci)
{
    return ci->has_password_expiry;
}

static int has_account_expiry(const struct client_info *ci)
{
    return ci->has_account_expiry;
}

static int has_tgt_times(const struct client_info *ci)
{
    return ci->has_tgt_times;
}

static int has_canonical(const struct client_info *ci)
{
    return ci->canonical != NULL;
}

/* One family with a sample {realm, principal} per client for which has()
 * holds, valued by value(). */
static void
write_client_family(struct sbuf *out, const struct expo_snapshot *s,
                    const char *name, const char *help,
                    int (*has)(const struct client_info *ci),
                    double (*value)(const struct client_info *ci))
{
    static const char *const names[] = { "realm", "principal", NULL };

    if (!any_client(s, has))
        return;
    family(out, name, "gauge", help);
    for (size_t i = 0; i < s->n_realms; i++) {
        const struct realm_result *r = &s->realms[i];
        for (size_t j = 0; j < r->n_clients; j++) {
            const struct client_info *ci = &r->clients[j];
            if (!has(ci))
                continue;
            const char *v[] = { r->realm, ci->principal };
            sample(out, name, names, v, value(ci));
        }
    }
}

static double password_expiry(const struct client_info *ci)
{
    return ci->password_expiry;
}

static double account_expiry(const struct client_info *ci)
{
    return ci->account_expiry;
}

static double tgt_lifetime(const struct client_info *ci)
{
    return ci->tgt_lifetime;
}

static double tgt_renewable(const struct client_info *ci)
{
    return ci->tgt_renewable;
}

static void
write_password_expiry(struct sbuf *out, const struct expo_snapshot *s)
{
    write_client_family(out, s, "krb5_password_expiry_timestamp_seconds",
                        "When the monitoring client's password expires, as "
                        "reported by the KDC, in seconds since the epoch.",
                        has_password_expiry, password_expiry);
}

/* Client facts beside the password expiry: the account's expiry, the
 * TGT's lifetime and renewability, and the canonical name. */
static void
write_client_families(struct sbuf *out, const struct expo_snapshot *s)
{
    static const char *const info_names[] = { "realm", "principal",
                                               "canonical", NULL };

    write_client_family(out, s, "krb5_account_expiry_timestamp_seconds",
                        "When the monitoring client's account expires, as "
                        "reported by the KDC, in seconds since the epoch.",
                        has_account_expiry, account_expiry);
    write_client_family(out, s, "krb5_tgt_lifetime_seconds",
                        "Lifetime of the TGT issued in this scrape (end time "
                        "minus authentication time), in seconds.",
                        has_tgt_times, tgt_lifetime);
    write_client_family(out, s, "krb5_tgt_renewable",
                        "1 if the TGT issued in this scrape is renewable, "
                        "else 0.", has_tgt_times, tgt_renewable);
    if (!any_client(s, has_canonical))
        return;
    family(out, "krb5_client_principal_info", "gauge",
           "The canonical name the KDC gave a monitoring client that logged "
           "on with an enterprise name (a UPN); always 1.");
    for (size_t i = 0; i < s->n_realms; i++) {
        const struct realm_result *r = &s->realms[i];
        for (size_t j = 0; j < r->n_clients; j++) {
            const struct client_info *ci = &r->clients[j];
            if (ci->canonical == NULL)
                continue;
            const char *v[] = { r->realm, ci->principal, ci->canonical };
            sample(out, "krb5_client_principal_info", info_names, v, 1);
        }
    }
}

/* The enctypes of the TGT and of each service ticket. */
static void
write_ticket_families(struct sbuf *out, const struct expo_snapshot *s)
{
    static const char *const info_names[] = { "realm", "probe", "target",
                                              "enctype", NULL };
    static const char *const weak_names[] = { "realm", "probe", "target",
                                              NULL };
    size_t n = 0;

    for (size_t i = 0; i < s->n_realms; i++)
        n += s->realms[i].n_tickets;
    if (n == 0)
        return;
    family(out, "krb5_ticket_enctype_info", "gauge",
           "1 for each encryption type a ticket issued in this scrape uses: "
           "its session key's and the one it is sealed in (one series when "
           "they are the same).");
    for (size_t i = 0; i < s->n_realms; i++) {
        const struct realm_result *r = &s->realms[i];
        for (size_t j = 0; j < r->n_tickets; j++) {
            const struct ticket_info *t = &r->tickets[j];
            const char *v[] = { r->realm, probe_kind_name(t->kind), t->target,
                                t->session_enctype };
            sample(out, "krb5_ticket_enctype_info", info_names, v, 1);
            if (strcmp(t->ticket_enctype, t->session_enctype) == 0)
                continue;
            v[3] = t->ticket_enctype;
            sample(out, "krb5_ticket_enctype_info", info_names, v, 1);
        }
    }
    family(out, "krb5_ticket_weak_enctype", "gauge",
           "1 if a ticket issued in this scrape uses a deprecated encryption "
           "type (DES, triple DES or RC4), else 0.");
    for (size_t i = 0; i < s->n_realms; i++) {
        const struct realm_result *r = &s->realms[i];
        for (size_t j = 0; j < r->n_tickets; j++) {
            const struct ticket_info *t = &r->tickets[j];
            const char *v[] = { r->realm, probe_kind_name(t->kind),
                                t->target };
            sample(out, "krb5_ticket_weak_enctype", weak_names, v, t->weak);
        }
    }
}

/* What the service keytabs hold: the highest kvno per principal, enctype. */
static void
write_keytab_kvno(struct sbuf *out, const struct expo_snapshot *s)
{
    static const char *const names[] = { "realm", "principal", "enctype",
                                         NULL };
    size_t n = 0;

    for (size_t i = 0; i < s->n_realms; i++)
        n += s->realms[i].n_keytab_kvnos;
    if (n == 0)
        return;
    family(out, "krb5_keytab_kvno", "gauge",
           "The highest key version number a configured service keytab "
           "holds, per principal and encryption type.");
    for (size_t i = 0; i < s->n_realms; i++) {
        const struct realm_result *r = &s->realms[i];
        for (size_t j = 0; j < r->n_keytab_kvnos; j++) {
            const struct keytab_kvno *k = &r->keytab_kvnos[j];
            const char *v[] = { r->realm, k->principal, k->enctype };
            sample(out, "krb5_keytab_kvno", names, v, (double)k->kvno);
        }
    }
}

/* Did the verify probe find a valid PAC in principal's ticket? */
static int
pac_valid(const struct realm_result *r, const char *principal)
{
    for (size_t i = 0; i < r->n_pacs; i++) {
        if (strcmp(r->pacs[i].principal, principal) == 0)
            return r->pacs[i].valid;
    }
    return 0;
}

/* The PAC of each service ticket verified with a keytab: one series per
 * verify probe, so that a service whose ticket could not be had or opened
 * shows 0 instead of vanishing. */
static void
write_ticket_pac(struct sbuf *out, const struct expo_snapshot *s)
{
    static const char *const names[] = { "realm", "principal", NULL };
    size_t n = 0;

    for (size_t i = 0; i < s->n_realms; i++)
        for (size_t j = 0; j < s->realms[i].n_probes; j++)
            n += s->realms[i].probes[j].kind == PROBE_VERIFY;
    if (n == 0)
        return;
    family(out, "krb5_service_ticket_pac", "gauge",
           "1 if the service ticket verified with the service's keytab in "
           "this scrape carries a PAC whose server checksum verifies with "
           "the service key, else 0 (no PAC, a bad one, or no ticket "
           "verified).");
    for (size_t i = 0; i < s->n_realms; i++) {
        const struct realm_result *r = &s->realms[i];
        for (size_t j = 0; j < r->n_probes; j++) {
            const struct probe_result *p = &r->probes[j];
            if (p->kind != PROBE_VERIFY)
                continue;
            const char *v[] = { r->realm, p->target };
            sample(out, "krb5_service_ticket_pac", names, v,
                   pac_valid(r, p->target));
        }
    }
}

static void
write_backoff(struct sbuf *out, const struct expo_snapshot *s)
{
    static const char *const names[] = { "realm", NULL };

    if (s->backoff_left == NULL || s->n_realms == 0)
        return;
    family(out, "krb5_probe_backoff_seconds", "gauge",
           "Seconds left before the lockout guard lets the realm's client "
           "credentials be presented again after a credential failure; 0 "
           "when there is no backoff.");
    for (size_t i = 0; i < s->n_realms; i++) {
        const char *v[] = { s->realms[i].realm };
        sample(out, "krb5_probe_backoff_seconds", names, v,
               s->backoff_left[i]);
    }
}

/* One process_* family of one sample, as client_golang writes it; left
 * out when the figure could not be read. */
static void
process_family(struct sbuf *out, const char *name, const char *type,
               const char *help, double v)
{
    static const char *const no_names[] = { NULL };

    if (isnan(v))
        return;
    family(out, name, type, help);
    sample(out, name, no_names, NULL, v);
}

/* The standard process metrics, with client_golang's names and HELP. */
static void
write_process(struct sbuf *out, const struct procstat *p)
{
    if (p == NULL)
        return;
    process_family(out, "process_cpu_seconds_total", "counter",
                   "Total user and system CPU time spent in seconds.",
                   p->cpu_seconds);
    process_family(out, "process_open_fds", "gauge",
                   "Number of open file descriptors.", p->open_fds);
    process_family(out, "process_max_fds", "gauge",
                   "Maximum number of open file descriptors.", p->max_fds);
    process_family(out, "process_virtual_memory_bytes", "gauge",
                   "Virtual memory size in bytes.", p->virtual_bytes);
    process_family(out, "process_resident_memory_bytes", "gauge",
                   "Resident memory size in bytes.", p->resident_bytes);
    process_family(out, "process_start_time_seconds", "gauge",
                   "Start time of the process since unix epoch in seconds.",
                   p->start_time);
}

static void
write_self(struct sbuf *out, const struct expo_snapshot *s)
{
    static const char *const build_names[] = { "version", "krb5_version",
                                                "cares_version",
                                                "microhttpd_version", NULL };
    static const char *const no_names[] = { NULL };
    const struct expo_self *self = s->self;
    const struct expo_build_info *b;

    if (self == NULL)
        return;
    b = self->build;
    family(out, "krb5_exporter_build_info", "gauge",
           "Versions of the exporter and of the libraries it runs on.");
    const char *v[] = { b->version, b->krb5_version, b->cares_version,
                        b->microhttpd_version };
    sample(out, "krb5_exporter_build_info", build_names, v, 1);
    family(out, "krb5_exporter_scrape_duration_seconds", "gauge",
           "How long the whole scrape took, in seconds.");
    sample(out, "krb5_exporter_scrape_duration_seconds", no_names, NULL,
           self->scrape_duration);
    family(out, "krb5_exporter_config_last_reload_successful", "gauge",
           "1 if the last configuration load (start or reload) succeeded.");
    sample(out, "krb5_exporter_config_last_reload_successful", no_names,
           NULL, self->reload_successful);
    family(out, "krb5_exporter_config_last_reload_success_timestamp_seconds",
           "gauge", "When the configuration was last loaded successfully, "
           "in seconds since the epoch.");
    sample(out, "krb5_exporter_config_last_reload_success_timestamp_seconds",
           no_names, NULL, self->reload_success_timestamp);
    family(out, "krb5_exporter_probes_in_flight", "gauge",
           "Realm probes queued or running right now.");
    sample(out, "krb5_exporter_probes_in_flight", no_names, NULL,
           (double)self->probes_in_flight);
    write_process(out, self->process);
}

void
expo_write(struct sbuf *out, const struct expo_snapshot *s)
{
    write_probe_families(out, s);
    write_error_totals(out, s);
    write_kdc_families(out, s);
    write_service_families(out, s);
    write_keytab_kvno(out, s);
    write_ticket_pac(out, s);
    write_ticket_families(out, s);
    write_password_expiry(out, s);
    write_client_families(out, s);
    write_backoff(out, s);
    write_self(out, s);
}
