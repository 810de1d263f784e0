/* realmroute: the KDCs of the other realms of a session; see realmroute.h. */
#include "probes/realmroute.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "probes/discovery.h"
#include "probes/kdcreply.h"

#define ROUTE_NAME_MAX 256

static int krb_error(krb5_context ctx, const unsigned char *reply, size_t len,
                     long *code_out, char *etext, size_t etext_len);

/* One other realm, and its KDCs once they are looked for. */
struct route {
    char name[ROUTE_NAME_MAX];
    struct conf_realm unlisted;      /* the entry of a realm the config
                                        does not list (DNS, the session's
                                        transport); its realm is name */
    const struct conf_realm *conf;   /* borrowed from the config, or
                                        &unlisted */
    int looked;                      /* discovery ran */
    struct kdc_set set;              /* owned */
    struct kdcio_endpoint *eps;      /* owned array of n_eps; labels
                                        borrowed from set */
    size_t n_eps;
    const char *last;                /* label of the KDC that answered
                                        last; NULL: none yet */
    struct realmroute_seen answer;   /* its last answer; realm "": none */
};

struct realmroute {
    const struct conf *all;          /* borrowed; NULL: none */
    struct dns_client *dc;           /* borrowed */
    struct route **index;            /* owned array of n_routes owned
                                        routes: each stays where it is
                                        while the array grows */
    size_t n_routes;
    struct realmroute_seen own;      /* the last answer of rc's realm */
    int watching;
    double limit;                    /* other realms' exchanges end by
                                        this while watching */
    struct realmroute_seen seen[REALMROUTE_MAX_SEEN];
    size_t n_seen;
    size_t handed;                   /* seen[0..handed) went out already */
};

int
realmroute_attach(struct realm_ctx *rc, const struct conf *all,
                  struct dns_client *dc)
{
    struct realmroute *r = calloc(1, sizeof(*r));

    if (r == NULL)
        return ENOMEM;
    r->all = all;
    r->dc = dc;
    realmroute_free(rc->routes);
    rc->routes = r;
    return 0;
}

void
realmroute_free(struct realmroute *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n_routes; i++) {
        discovery_free(&r->index[i]->set);
        free(r->index[i]->eps);
        free(r->index[i]);
    }
    free(r->index);
    free(r);
}

/* The route of realm name, made (not looked up yet) when there is none;
 * NULL when out of memory. */
static struct route *
route_of(struct realm_ctx *rc, const char *name)
{
    struct realmroute *r = rc->routes;
    struct route *route, **slot;

    for (size_t i = 0; i < r->n_routes; i++)
        if (strcmp(r->index[i]->name, name) == 0)
            return r->index[i];
    route = calloc(1, sizeof(*route));
    if (route == NULL)
        return NULL;
    slot = grow_one(&r->index, r->n_routes, sizeof(*slot));
    if (slot == NULL) {
        free(route);
        return NULL;
    }
    *slot = route;
    r->n_routes++;
    snprintf(route->name, sizeof(route->name), "%s", name);
    for (size_t i = 0; r->all != NULL && i < r->all->n_realms; i++)
        if (strcmp(r->all->realms[i].realm, name) == 0)
            route->conf = &r->all->realms[i];
    if (route->conf == NULL) {
        /* Not in the config: its KDCs are in DNS, if anywhere, asked
         * for as the session's own realm asks. */
        route->unlisted.realm = route->name;
        route->unlisted.transport = rc->conf->transport;
        route->conf = &route->unlisted;
    }
    return route;
}

/* Find route's KDCs (once) and lay out its endpoints.  Returns 0 or
 * ENOMEM; none found is no error here. */
static int
look(struct realm_ctx *rc, struct route *route)
{
    char what[ROUTE_NAME_MAX + 32];
    int ret;

    if (route->looked)
        return 0;
    route->looked = 1;
    snprintf(what, sizeof(what), "trust: discovery of %s", route->name);
    trace_add(rc->trace, "trust: realm %s: its KDCs %s", route->name,
              route->conf == &route->unlisted
                  ? "from DNS (the config does not list the realm)"
                  : route->conf->n_kdcs > 0 ? "from its entry's kdcs"
                                            : "from DNS, as its entry says");
    ret = discovery_find(route->conf, rc->routes->dc, rc->trace, what,
                         &route->set);
    if (ret != 0)
        return ret;
    route->eps = calloc(route->set.n ? route->set.n : 1,
                        sizeof(*route->eps));
    if (route->eps == NULL)
        return ENOMEM;
    for (size_t i = 0; i < route->set.n; i++) {
        const struct kdc_target *t = &route->set.items[i];
        if (!t->resolved)
            continue;
        route->eps[route->n_eps].proto =
            t->spec.proto == KDC_PROTO_TCP ? KDCIO_TCP : KDCIO_UDP;
        route->eps[route->n_eps].addr = t->addr;
        route->eps[route->n_eps++].label = t->label;
    }
    return 0;
}

int
realmroute_lookup(struct realm_ctx *rc, const char *realm,
                  const struct kdcio_endpoint **eps_out, size_t *n_out,
                  struct probe_error *err_out, char *why, size_t why_len)
{
    struct route *route;

    if (strcmp(realm, rc->conf->realm) == 0) {
        *eps_out = rc->eps;
        *n_out = rc->n_eps;
        return 0;
    }
    if (rc->routes == NULL) {
        *err_out = (struct probe_error){ ERR_SPACE_KRB5,
                                         KRB5_REALM_CANT_RESOLVE };
        snprintf(why, why_len, "realm %s is not one this probe may reach",
                 realm);
        return -1;
    }
    route = route_of(rc, realm);
    if (route == NULL || look(rc, route) != 0) {
        *err_out = (struct probe_error){ ERR_SPACE_ERRNO, ENOMEM };
        snprintf(why, why_len, "out of memory");
        return -1;
    }
    if (route->n_eps == 0) {
        *err_out = (struct probe_error){ ERR_SPACE_KRB5,
                                         KRB5_REALM_CANT_RESOLVE };
        snprintf(why, why_len, "%s", route->set.why[0] != '\0'
                                         ? route->set.why
                                         : "no KDC endpoint found");
        return -1;
    }
    *eps_out = route->eps;
    *n_out = route->n_eps;
    return 0;
}

/* Read reply into *out, an answer of realm's KDC labelled label. */
static void
read_answer(krb5_context ctx, const char *realm, const char *label,
            const unsigned char *reply, size_t len,
            struct realmroute_seen *out)
{
    struct kdcreply_info info;
    krb5_data d;
    krb5_ticket *ticket = NULL;

    memset(out, 0, sizeof(*out));
    snprintf(out->realm, sizeof(out->realm), "%s", realm);
    out->label = label;
    if (krb_error(ctx, reply, len, &out->code, out->etext,
                  sizeof(out->etext))) {
        out->error = 1;
        return;
    }
    /* A KDC-REP: which ticket it holds.  Its Ticket is in the clear. */
    if (kdcreply_parse(reply, len, &info) != 0 || info.ticket_len == 0)
        return;
    d.magic = KV5M_DATA;
    d.length = (unsigned int)info.ticket_len;
    d.data = (char *)(uintptr_t)(reply + info.ticket_off);
    if (krb5_decode_ticket(&d, &ticket) != 0)
        return;
    if (ticket->server->length == 2 &&
        ticket->server->data[0].length == 6 &&
        memcmp(ticket->server->data[0].data, "krbtgt", 6) == 0 &&
        ticket->server->data[1].length < sizeof(out->tgt_realm)) {
        memcpy(out->tgt_realm, ticket->server->data[1].data,
               ticket->server->data[1].length);
        out->tgt_realm[ticket->server->data[1].length] = '\0';
    }
    krb5_free_ticket(ctx, ticket);
}

void
realmroute_observe(struct realm_ctx *rc, const char *realm,
                   const char *label, const unsigned char *reply, size_t len)
{
    struct realmroute *r = rc->routes;
    struct realmroute_seen a;
    struct route *route = NULL;

    if (r == NULL)
        return;
    read_answer(rc->ctx, realm, label, reply, len, &a);
    if (strcmp(realm, rc->conf->realm) == 0)
        r->own = a;
    else if ((route = route_of(rc, realm)) != NULL)
        route->answer = a;
    if (r->watching && r->n_seen < REALMROUTE_MAX_SEEN)
        r->seen[r->n_seen++] = a;
}

void
realmroute_watch(struct realm_ctx *rc, double deadline)
{
    if (rc->routes == NULL)
        return;
    rc->routes->watching = 1;
    rc->routes->limit = deadline;
    rc->routes->n_seen = rc->routes->handed = 0;
}

void
realmroute_unwatch(struct realm_ctx *rc)
{
    if (rc->routes != NULL)
        rc->routes->watching = 0;
}

size_t
realmroute_seen(struct realm_ctx *rc, const struct realmroute_seen **out)
{
    struct realmroute *r = rc->routes;
    size_t n;

    if (r == NULL)
        return 0;
    *out = r->seen + r->handed;
    n = r->n_seen - r->handed;
    r->handed = r->n_seen;
    if (r->n_seen == REALMROUTE_MAX_SEEN && n == 0)
        r->n_seen = r->handed = 0;    /* full and all read: start over */
    return n;
}

const struct realmroute_seen *
realmroute_last(const struct realm_ctx *rc, const char *realm)
{
    const struct realmroute *r = rc->routes;

    if (r == NULL)
        return NULL;
    if (strcmp(realm, rc->conf->realm) == 0)
        return r->own.realm[0] != '\0' ? &r->own : NULL;
    for (size_t i = 0; i < r->n_routes; i++)
        if (strcmp(r->index[i]->name, realm) == 0)
            return r->index[i]->answer.realm[0] != '\0'
                       ? &r->index[i]->answer : NULL;
    return NULL;
}

/*
 * The KRB-ERROR in reply, if it is one: its protocol error code into
 * *code_out and its e-text into etext (etext_len bytes, "" for none).
 * Returns 1 for a KRB-ERROR, else 0.
 */
static int
krb_error(krb5_context ctx, const unsigned char *reply, size_t len,
          long *code_out, char *etext, size_t etext_len)
{
    krb5_data d = { 0, (unsigned int)len, (char *)(uintptr_t)reply };
    krb5_error *err = NULL;

    etext[0] = '\0';
    if (len < 1 || reply[0] != 0x7e || krb5_rd_error(ctx, &d, &err) != 0)
        return 0;
    *code_out = (long)err->error + ERROR_TABLE_BASE_krb5;
    if (err->text.length > 0) {
        size_t n = err->text.length < etext_len - 1 ? err->text.length
                                                    : etext_len - 1;
        memcpy(etext, err->text.data, n);
        etext[n] = '\0';     /* MIT sends the NUL too: it ends here */
    }
    krb5_free_error(ctx, err);
    return 1;
}

krb5_error_code
realmroute_send(struct realm_ctx *rc, const krb5_data *realm,
                const krb5_data *message, krb5_data **reply_out)
{
    const struct kdcio_endpoint *eps;
    struct route *route;
    struct probe_error err;
    unsigned char *reply = NULL;
    size_t reply_len = 0, used = 0, n_eps = 0;
    char name[ROUTE_NAME_MAX], why[1024], etext[128];
    double deadline = rc->deadline;
    krb5_error_code code;
    long code_seen = 0;
    krb5_data *out;

    if (realm->length >= sizeof(name)) {
        krb5_set_error_message(rc->ctx, KRB5_REALM_CANT_RESOLVE,
                               "Cannot find KDC for realm '%.*s': the name "
                               "is too long", 64, realm->data);
        return KRB5_REALM_CANT_RESOLVE;
    }
    memcpy(name, realm->data, realm->length);
    name[realm->length] = '\0';
    if (message->length > 0 && (unsigned char)message->data[0] == 0x6a) {
        trace_add(rc->trace, "send: AS-REQ for realm %s refused: a probe "
                  "logs on in its own realm only", name);
        krb5_set_error_message(rc->ctx, KRB5_KDC_UNREACH, "No AS-REQ is "
                               "sent to realm '%s': the probe logs on in "
                               "realm '%s' only", name, rc->conf->realm);
        return KRB5_KDC_UNREACH;
    }
    if (realmroute_lookup(rc, name, &eps, &n_eps, &err, why,
                          sizeof(why)) != 0) {
        trace_add(rc->trace, "send: %u-byte request to realm %s: %s",
                  message->length, name, why);
        code = (krb5_error_code)err.code;
        krb5_set_error_message(rc->ctx, code, "Cannot find KDC for realm "
                               "'%s': %s", name, why);
        return code;
    }
    route = route_of(rc, name);   /* found: lookup made it */
    if (rc->routes->watching && rc->routes->limit < deadline)
        deadline = rc->routes->limit;
    if (kdcio_exchange(eps, n_eps, (const unsigned char *)message->data,
                       message->length, name, deadline, &reply,
                       &reply_len, &used, &err, why, sizeof(why)) != 0) {
        trace_add(rc->trace, "send: %u-byte request to realm %s: no KDC "
                  "answered: %s", message->length, name, why);
        code = (krb5_error_code)err.code;
        if (err.space == ERR_SPACE_KRB5)
            krb5_set_error_message(rc->ctx, code, "Cannot contact any KDC "
                                   "for realm '%s': %s", name, why);
        else
            krb5_set_error_message(rc->ctx, code, "No KDC of realm '%s' "
                                   "answered in time: %s", name, why);
        return code;
    }
    if (used > 0) {
        /* The KDC that answered goes first next time, as for the
         * session's own realm. */
        struct kdcio_endpoint winner = route->eps[used];
        memmove(route->eps + 1, route->eps, used * sizeof(*route->eps));
        route->eps[0] = winner;
        used = 0;
    }
    route->last = route->eps[0].label;
    if (route->eps[0].proto == KDCIO_UDP &&
        krb_error(rc->ctx, reply, reply_len, &code_seen, etext,
                  sizeof(etext)) &&
        code_seen == KRB5KRB_ERR_RESPONSE_TOO_BIG) {
        struct kdcio_endpoint tcp = route->eps[0];
        free(reply);
        reply = NULL;
        tcp.proto = KDCIO_TCP;
        if (kdcio_exchange(&tcp, 1, (const unsigned char *)message->data,
                           message->length, name, deadline, &reply,
                           &reply_len, &used, &err, why, sizeof(why)) != 0) {
            krb5_set_error_message(rc->ctx, (krb5_error_code)err.code,
                                   "KDC of realm '%s' over TCP: %s", name,
                                   why);
            return (krb5_error_code)err.code;
        }
    }
    trace_add(rc->trace, "send: %u-byte request to realm %s answered by %s "
              "(%zu bytes, %s)", message->length, name, route->last,
              reply_len, reply[0] == 0x7e ? "KRB-ERROR" : "TGS-REP");
    realmroute_observe(rc, name, route->last, reply, reply_len);
    out = malloc(sizeof(*out));
    if (out == NULL) {
        free(reply);
        return ENOMEM;
    }
    out->magic = KV5M_DATA;
    out->length = (unsigned int)reply_len;
    out->data = (char *)reply;
    *reply_out = out;
    return 0;
}
