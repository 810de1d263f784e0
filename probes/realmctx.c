/* realmctx: per-realm krb5 context with our own KDC I/O; see realmctx.h. */
#include "probes/realmctx.h"

#include <errno.h>
#include <profile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clocks.h"

static int
same_realm(const krb5_data *realm, const char *name)
{
    return realm->length == strlen(name) &&
           memcmp(realm->data, name, realm->length) == 0;
}

/* Is reply a KRB-ERROR saying the answer did not fit in a datagram? */
static int
too_big_for_udp(krb5_context ctx, const unsigned char *reply, size_t len)
{
    krb5_data d = { 0, (unsigned int)len, (char *)(uintptr_t)reply };
    krb5_error *err = NULL;
    int too_big;

    if (len < 1 || reply[0] != 0x7e || krb5_rd_error(ctx, &d, &err) != 0)
        return 0;
    too_big = err->error ==
              (krb5_ui_4)(KRB5KRB_ERR_RESPONSE_TOO_BIG - ERROR_TABLE_BASE_krb5);
    krb5_free_error(ctx, err);
    return too_big;
}

/*
 * The pre-send hook: do the exchange ourselves and hand libkrb5 the reply,
 * so that libkrb5's sendto loop never runs and the deadline holds.
 */
static krb5_error_code
send_hook(krb5_context ctx, void *data, const krb5_data *realm,
          const krb5_data *message, krb5_data **new_message_out,
          krb5_data **reply_out)
{
    struct realm_ctx *rc = data;
    struct probe_error err;
    unsigned char *reply = NULL;
    size_t reply_len = 0, used = 0;
    char why[1024];
    krb5_data *out;

    (void)new_message_out;
    if (!same_realm(realm, rc->conf->realm)) {
        krb5_set_error_message(ctx, KRB5_KDC_UNREACH,
                               "Cannot contact any KDC for realm '%.*s': "
                               "it is not a configured realm",
                               (int)realm->length, realm->data);
        return KRB5_KDC_UNREACH;
    }
    if (kdcio_exchange(rc->eps, rc->n_eps, (const unsigned char *)message->data,
                       message->length, rc->conf->realm, rc->deadline, &reply, &reply_len,
                       &used, &err, why, sizeof(why)) != 0) {
        trace_add(rc->trace, "send: %u-byte request to realm %s: no KDC "
                  "answered: %s", message->length, rc->conf->realm, why);
        const char *extra = rc->resolve_why[0] ? "; " : "";
        if (err.space == ERR_SPACE_KRB5 &&
            err.code == KRB5KDC_ERR_WRONG_REALM)
            krb5_set_error_message(ctx, (krb5_error_code)err.code,
                                   "Every KDC listed for realm '%s' answered "
                                   "for another realm: %s", rc->conf->realm,
                                   why);
        else if (err.space == ERR_SPACE_KRB5)
            krb5_set_error_message(ctx, (krb5_error_code)err.code,
                                   "Cannot contact any KDC for realm '%s': "
                                   "%s%s%s", rc->conf->realm, why, extra,
                                   rc->resolve_why);
        else
            krb5_set_error_message(ctx, (krb5_error_code)err.code,
                                   "No KDC of realm '%s' answered in time: "
                                   "%s%s%s", rc->conf->realm, why, extra,
                                   rc->resolve_why);
        return (krb5_error_code)err.code;
    }
    trace_add(rc->trace, "send: %u-byte request to realm %s answered by %s "
              "(%zu bytes, %s)", message->length, rc->conf->realm,
              rc->eps[used].label, reply_len,
              reply[0] == 0x7e ? "KRB-ERROR"
              : reply[0] == 0x6b ? "AS-REP" : "TGS-REP");
    if (used > 0) {
        /* Ask the KDC that answered first next time (the AS exchange takes
         * two rounds, then come the TGS requests), so that a silent KDC
         * early in the list costs one stagger per probe, not per message. */
        struct kdcio_endpoint winner = rc->eps[used];
        memmove(rc->eps + 1, rc->eps, used * sizeof(*rc->eps));
        rc->eps[0] = winner;
        used = 0;
    }
    if (rc->eps[used].proto == KDCIO_UDP &&
        too_big_for_udp(ctx, reply, reply_len)) {
        /* Ask the same KDC again over TCP, as libkrb5 would. */
        struct kdcio_endpoint tcp = rc->eps[used];
        free(reply);
        reply = NULL;
        tcp.proto = KDCIO_TCP;
        if (kdcio_exchange(&tcp, 1, (const unsigned char *)message->data,
                           message->length, rc->conf->realm, rc->deadline, &reply, &reply_len,
                           &used, &err, why, sizeof(why)) != 0) {
            krb5_set_error_message(ctx, (krb5_error_code)err.code,
                                   "KDC of realm '%s' over TCP: %s",
                                   rc->conf->realm, why);
            return (krb5_error_code)err.code;
        }
    }
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

/* Lay out rc->eps from the resolved targets of set, in order. */
static krb5_error_code
plan_endpoints(struct realm_ctx *rc, const struct kdc_set *set)
{
    size_t off = 0;

    rc->eps = calloc(set->n ? set->n : 1, sizeof(*rc->eps));
    if (rc->eps == NULL)
        return ENOMEM;
    for (size_t i = 0; i < set->n; i++) {
        const struct kdc_target *t = &set->items[i];
        if (!t->resolved) {
            int w = snprintf(rc->resolve_why + off,
                             sizeof(rc->resolve_why) - off, "%s%s: %s",
                             off ? "; " : "", t->label,
                             krb5err_name(t->resolve_error.space,
                                          t->resolve_error.code));
            if (w > 0 && (size_t)w < sizeof(rc->resolve_why) - off)
                off += (size_t)w;
            continue;
        }
        rc->eps[rc->n_eps].proto = t->spec.proto == KDC_PROTO_TCP ? KDCIO_TCP
                                                                  : KDCIO_UDP;
        rc->eps[rc->n_eps].addr = t->addr;
        rc->eps[rc->n_eps].label = t->label;
        rc->n_eps++;
    }
    return 0;
}

/* A new context for realm, made from profile (which it takes over). */
static krb5_error_code
make_context(const char *realm, struct krbprofile *profile,
             struct realm_ctx **out)
{
    struct realm_ctx *rc;
    profile_t prof = NULL;
    krb5_error_code ret;

    rc = calloc(1, sizeof(*rc));
    if (rc == NULL)
        return ENOMEM;
    rc->profile = *profile;
    memset(profile, 0, sizeof(*profile));
    rc->realm = strdup(realm);
    if (rc->realm == NULL) {
        ret = ENOMEM;
        goto fail;
    }
    ret = (krb5_error_code)krbprofile_open(&rc->profile, (void **)&prof);
    if (ret != 0)
        goto fail;
    ret = krb5_init_context_profile(prof, 0, &rc->ctx);
    profile_release(prof);
    if (ret != 0)
        goto fail;
    krb5_set_kdc_send_hook(rc->ctx, send_hook, rc);
    *out = rc;
    return 0;
fail:
    realmctx_free(rc);
    return ret;
}

krb5_error_code
realmctx_open(const struct conf_realm *conf, const struct kdc_set *set,
              double deadline, struct trace *trace, struct ctxcache *cache,
              struct realm_ctx **out)
{
    struct realm_ctx *rc = NULL;
    struct krbprofile profile;
    krb5_error_code ret;

    memset(&profile, 0, sizeof(profile));
    ret = krbprofile_build(&profile, conf, set);
    if (ret != 0) {
        krbprofile_free(&profile);
        return ret;
    }
    if (cache != NULL)
        rc = ctxcache_take(cache, conf->realm, &profile);
    if (rc != NULL) {
        krbprofile_free(&profile);
        trace_add(trace, "krb5 context: the one kept from the realm's last "
                  "probe (same KDCs and settings)");
    } else {
        ret = make_context(conf->realm, &profile, &rc);
        krbprofile_free(&profile);   /* empty unless make_context failed */
        if (ret != 0)
            return ret;
        trace_add(trace, "krb5 context: made new for this probe");
    }
    rc->conf = conf;
    rc->deadline = deadline;
    rc->trace = trace;
    rc->resolve_why[0] = '\0';
    trace_attach_krb5(rc->ctx, trace);
    ret = plan_endpoints(rc, set);
    if (ret != 0) {
        realmctx_free(rc);
        return ret;
    }
    *out = rc;
    return 0;
}

void
realmctx_close(struct realm_ctx *rc, struct ctxcache *cache)
{
    if (rc == NULL)
        return;
    /* Nothing of this probe may reach the next one: not its trace, its
     * deadline, its KDC list or its last error message. */
    trace_attach_krb5(rc->ctx, NULL);
    krb5_clear_error_message(rc->ctx);
    free(rc->eps);
    rc->eps = NULL;
    rc->n_eps = 0;
    rc->conf = NULL;
    rc->trace = NULL;
    rc->deadline = 0;
    if (cache != NULL)
        ctxcache_give(cache, rc);
    else
        realmctx_free(rc);
}

void
realmctx_free(struct realm_ctx *rc)
{
    if (rc == NULL)
        return;
    if (rc->ctx != NULL)
        krb5_free_context(rc->ctx);
    krbprofile_free(&rc->profile);
    free(rc->realm);
    free(rc->eps);
    free(rc);
}

char *
realmctx_message(struct realm_ctx *rc, krb5_error_code code)
{
    const char *m = krb5_get_error_message(rc->ctx, code);
    char *copy = strdup(m != NULL ? m : "unknown error");

    krb5_free_error_message(rc->ctx, m);
    return copy;
}
