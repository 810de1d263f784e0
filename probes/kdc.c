/* kdc: per-endpoint liveness and clock skew; see kdc.h. */
#include "probes/kdc.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/kdcio.h"

struct kdc_verdict
kdc_judge_reply(krb5_context ctx, const unsigned char *data, size_t len)
{
    struct kdc_verdict v;
    krb5_data d = { 0, (unsigned int)len, (char *)(uintptr_t)data };
    krb5_error *err = NULL;
    krb5_error_code ret;

    memset(&v, 0, sizeof(v));
    if (len >= 2 && data[0] == 0x7e) {
        ret = krb5_rd_error(ctx, &d, &err);
        if (ret != 0) {
            v.error = (struct probe_error){ ERR_SPACE_KRB5, ret };
            return v;
        }
        v.up = 1;
        v.has_skew = 1;
        v.kdc_time = (double)(uint32_t)err->stime + err->susec / 1e6;
        krb5_free_error(ctx, err);
        return v;
    }
    if (len >= 2 && data[0] == 0x6b) {
        /* An AS-REP: the principal needs no pre-authentication.  Its times
         * are encrypted for the client, so there is no skew to read. */
        v.up = 1;
        return v;
    }
    v.error = (struct probe_error){ ERR_SPACE_KRB5, KRB5KRB_AP_ERR_MSG_TYPE };
    return v;
}

/* The AS-REQ libkrb5 would send first for client, without pre-auth. */
static krb5_error_code
make_as_req(krb5_context ctx, const char *client_principal, krb5_data *out)
{
    krb5_init_creds_context icc = NULL;
    krb5_principal client = NULL;
    krb5_data in = { 0, 0, NULL }, realm = { 0, 0, NULL };
    unsigned int flags = 0;
    krb5_error_code ret;

    ret = krb5_parse_name(ctx, client_principal, &client);
    if (ret == 0)
        ret = krb5_init_creds_init(ctx, client, NULL, NULL, 0, NULL, &icc);
    if (ret == 0)
        ret = krb5_init_creds_step(ctx, icc, &in, out, &realm, &flags);
    krb5_free_data_contents(ctx, &realm);
    krb5_init_creds_free(ctx, icc);
    krb5_free_principal(ctx, client);
    return ret;
}

/* Record a failed endpoint. */
static int
add_failure(struct realm_result *res, const char *label, double seconds,
            struct probe_error error, const char *message)
{
    char *target = strdup(label);
    char *m = message != NULL ? strdup(message) : NULL;

    if (target == NULL) {
        free(m);
        return ENOMEM;
    }
    if (result_add_probe(res, PROBE_KDC, target, 0, seconds, error, m) != 0)
        return ENOMEM;
    target = strdup(label);
    return target != NULL ? result_add_kdc(res, target, 0, 0) : ENOMEM;
}

int
kdc_probe_all(krb5_context ctx, const char *client_principal,
              const struct kdc_set *set, double deadline,
              struct realm_result *res)
{
    struct kdcio_endpoint *eps = NULL;
    struct kdcio_reply *replies = NULL;
    size_t *which = NULL, n_eps = 0;
    krb5_data req = { 0, 0, NULL };
    krb5_error_code kret;
    int ret = ENOMEM;

    if (set->n == 0)
        return 0;
    kret = make_as_req(ctx, client_principal, &req);
    if (kret != 0) {
        /* Without a request there is nothing to probe with; say so on
         * every endpoint. */
        const char *m = krb5_get_error_message(ctx, kret);
        ret = 0;
        for (size_t i = 0; i < set->n && ret == 0; i++)
            ret = add_failure(res, set->items[i].label, 0,
                              krb5err_from_krb5(kret), m);
        krb5_free_error_message(ctx, m);
        return ret;
    }
    eps = calloc(set->n, sizeof(*eps));
    replies = calloc(set->n, sizeof(*replies));
    which = calloc(set->n, sizeof(*which));
    if (eps == NULL || replies == NULL || which == NULL)
        goto cleanup;
    for (size_t i = 0; i < set->n; i++) {
        const struct kdc_target *t = &set->items[i];
        if (!t->resolved)
            continue;
        eps[n_eps].proto = t->spec.proto == KDC_PROTO_TCP ? KDCIO_TCP
                                                          : KDCIO_UDP;
        eps[n_eps].addr = t->addr;
        eps[n_eps].label = t->label;
        which[n_eps++] = i;
    }
    if (kdcio_probe_all(eps, n_eps, (const unsigned char *)req.data,
                        req.length, deadline, replies) != 0)
        goto cleanup;
    ret = 0;
    for (size_t i = 0, k = 0; i < set->n && ret == 0; i++) {
        const struct kdc_target *t = &set->items[i];
        struct kdcio_reply *r;
        struct kdc_verdict v;
        char *target;

        if (!t->resolved) {
            ret = add_failure(res, t->label, 0, t->resolve_error,
                              "the KDC's host name does not resolve");
            continue;
        }
        r = &replies[k++];
        if (r->err != 0) {
            ret = add_failure(res, t->label, r->seconds,
                              (struct probe_error){ ERR_SPACE_ERRNO, r->err },
                              strerror(r->err));
            continue;
        }
        v = kdc_judge_reply(ctx, r->data, r->len);
        if (!v.up) {
            ret = add_failure(res, t->label, r->seconds, v.error,
                              "the reply is not a Kerberos answer to an "
                              "AS-REQ");
            continue;
        }
        target = strdup(t->label);
        if (target == NULL ||
            result_add_probe(res, PROBE_KDC, target, 1, r->seconds,
                             (struct probe_error){ ERR_SPACE_KRB5, 0 },
                             NULL) != 0) {
            ret = ENOMEM;
            break;
        }
        target = strdup(t->label);
        ret = target != NULL
                  ? result_add_kdc(res, target, v.has_skew,
                                   v.kdc_time - r->wall_received)
                  : ENOMEM;
    }
cleanup:
    if (replies != NULL) {
        for (size_t i = 0; i < n_eps; i++)
            free(replies[i].data);
    }
    free(replies);
    free(eps);
    free(which);
    krb5_free_data_contents(ctx, &req);
    return ret;
}
