/* result: probe result structs; see result.h. */
#include "probes/result.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"

static const char *const kind_names[PROBE_KIND_COUNT] = {
    [PROBE_DISCOVERY] = "discovery",
    [PROBE_KDC] = "kdc",
    [PROBE_TGT] = "tgt",
    [PROBE_SERVICE] = "service",
    [PROBE_VERIFY] = "verify",
    [PROBE_KPASSWD] = "kpasswd",
    [PROBE_HTTP] = "http",
    [PROBE_TRUST] = "trust",
};

const char *
probe_kind_name(enum probe_kind kind)
{
    return (unsigned)kind < PROBE_KIND_COUNT ? kind_names[kind] : "unknown";
}

int
result_add_probe(struct realm_result *r, enum probe_kind kind, char *target,
                 int success, double duration, struct probe_error error,
                 char *message)
{
    struct probe_result *p;

    p = grow_one(&r->probes, r->n_probes, sizeof(*p));
    if (p == NULL) {
        free(target);
        free(message);
        return ENOMEM;
    }
    r->n_probes++;
    p->kind = kind;
    p->target = target;
    p->success = success;
    p->duration_seconds = duration;
    p->error = error;
    p->message = message;
    p->skipped = 0;
    return 0;
}

int
result_add_service(struct realm_result *r, char *service, char *principal,
                   int kvno)
{
    struct service_info *s;

    s = grow_one(&r->services, r->n_services, sizeof(*s));
    if (s == NULL) {
        free(service);
        free(principal);
        return ENOMEM;
    }
    r->n_services++;
    s->service = service;
    s->principal = principal;
    s->kvno = kvno;
    return 0;
}

int
result_add_pac(struct realm_result *r, const char *principal, int valid)
{
    struct ticket_pac *t;
    char *p = strdup(principal);

    t = p != NULL ? grow_one(&r->pacs, r->n_pacs, sizeof(*t)) : NULL;
    if (t == NULL) {
        free(p);
        return ENOMEM;
    }
    r->n_pacs++;
    t->principal = p;
    t->valid = valid;
    return 0;
}

int
result_add_kdc(struct realm_result *r, char *target, int has_skew,
               double skew_seconds)
{
    struct kdc_info *k;

    k = grow_one(&r->kdcs, r->n_kdcs, sizeof(*k));
    if (k == NULL) {
        free(target);
        return ENOMEM;
    }
    r->n_kdcs++;
    k->target = target;
    k->has_skew = has_skew;
    k->skew_seconds = skew_seconds;
    return 0;
}

int
result_add_ticket(struct realm_result *r, enum probe_kind kind, char *target,
                  char *session_enctype, char *ticket_enctype, int weak)
{
    struct ticket_info *t;

    t = target != NULL && session_enctype != NULL && ticket_enctype != NULL
            ? grow_one(&r->tickets, r->n_tickets, sizeof(*t)) : NULL;
    if (t == NULL) {
        free(target);
        free(session_enctype);
        free(ticket_enctype);
        return ENOMEM;
    }
    r->n_tickets++;
    t->kind = kind;
    t->target = target;
    t->session_enctype = session_enctype;
    t->ticket_enctype = ticket_enctype;
    t->weak = weak;
    return 0;
}

int
result_add_keytab_kvno(struct realm_result *r, const char *principal,
                       const char *enctype, long kvno)
{
    struct keytab_kvno *k;
    char *p, *e;

    for (size_t i = 0; i < r->n_keytab_kvnos; i++) {
        k = &r->keytab_kvnos[i];
        if (strcmp(k->principal, principal) == 0 &&
            strcmp(k->enctype, enctype) == 0) {
            if (kvno > k->kvno)
                k->kvno = kvno;
            return 0;
        }
    }
    p = strdup(principal);
    e = strdup(enctype);
    k = p != NULL && e != NULL
            ? grow_one(&r->keytab_kvnos, r->n_keytab_kvnos, sizeof(*k)) : NULL;
    if (k == NULL) {
        free(p);
        free(e);
        return ENOMEM;
    }
    r->n_keytab_kvnos++;
    k->principal = p;
    k->enctype = e;
    k->kvno = kvno;
    return 0;
}

struct client_info *
result_add_client(struct realm_result *r, char *principal)
{
    struct client_info *ci = principal != NULL
        ? grow_one(&r->clients, r->n_clients, sizeof(*ci)) : NULL;

    if (ci == NULL) {
        free(principal);
        return NULL;
    }
    ci->principal = principal;
    r->n_clients++;
    return ci;
}

int
result_splice(struct realm_result *r, size_t at, struct realm_result *src)
{
    struct probe_result *probes;
    struct kdc_info *kdcs;
    size_t n = r->n_probes + src->n_probes;

    if (at > r->n_probes)
        at = r->n_probes;
    probes = malloc((n ? n : 1) * sizeof(*probes));
    kdcs = malloc((r->n_kdcs + src->n_kdcs + 1) * sizeof(*kdcs));
    if (probes == NULL || kdcs == NULL) {
        free(probes);
        free(kdcs);
        return ENOMEM;
    }
    /* memcpy wants valid pointers even for zero bytes. */
    if (at > 0)
        memcpy(probes, r->probes, at * sizeof(*probes));
    if (src->n_probes > 0)
        memcpy(probes + at, src->probes, src->n_probes * sizeof(*probes));
    if (r->n_probes > at)
        memcpy(probes + at + src->n_probes, r->probes + at,
               (r->n_probes - at) * sizeof(*probes));
    if (r->n_kdcs > 0)
        memcpy(kdcs, r->kdcs, r->n_kdcs * sizeof(*kdcs));
    if (src->n_kdcs > 0)
        memcpy(kdcs + r->n_kdcs, src->kdcs, src->n_kdcs * sizeof(*kdcs));
    free(r->probes);
    free(r->kdcs);
    r->probes = probes;
    r->n_probes = n;
    r->kdcs = kdcs;
    r->n_kdcs += src->n_kdcs;
    free(src->probes);
    free(src->kdcs);
    src->probes = NULL;
    src->n_probes = 0;
    src->kdcs = NULL;
    src->n_kdcs = 0;
    return 0;
}

void
result_clear(struct realm_result *r)
{
    for (size_t i = 0; i < r->n_probes; i++) {
        free(r->probes[i].target);
        free(r->probes[i].message);
    }
    for (size_t i = 0; i < r->n_services; i++) {
        free(r->services[i].service);
        free(r->services[i].principal);
    }
    for (size_t i = 0; i < r->n_kdcs; i++)
        free(r->kdcs[i].target);
    for (size_t i = 0; i < r->n_tickets; i++) {
        free(r->tickets[i].target);
        free(r->tickets[i].session_enctype);
        free(r->tickets[i].ticket_enctype);
    }
    for (size_t i = 0; i < r->n_keytab_kvnos; i++) {
        free(r->keytab_kvnos[i].principal);
        free(r->keytab_kvnos[i].enctype);
    }
    for (size_t i = 0; i < r->n_pacs; i++)
        free(r->pacs[i].principal);
    free(r->pacs);
    free(r->tickets);
    free(r->keytab_kvnos);
    free(r->kdcs);
    free(r->probes);
    free(r->services);
    free(r->realm);
    for (size_t i = 0; i < r->n_clients; i++) {
        free(r->clients[i].principal);
        free(r->clients[i].canonical);
    }
    free(r->clients);
    memset(r, 0, sizeof(*r));
}
