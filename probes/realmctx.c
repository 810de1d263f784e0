/* realmctx: per-realm krb5 context with our own KDC I/O; see realmctx.h. */
#include "probes/realmctx.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clocks.h"
#include "probes/edata.h"
#include "probes/kdcreply.h"
#include "probes/lockout.h"
#include "probes/ntstatus.h"
#include "probes/realmroute.h"

static int
same_realm(const krb5_data *realm, const char *name)
{
    return realm->length == strlen(name) &&
           memcmp(realm->data, name, realm->length) == 0;
}

/*
 * The krb5 code a KRB-ERROR reply carries, 0 for any other reply; and into
 * *status_out (when not NULL) the NTSTATUS of an Active Directory extended
 * error in its e-data, 0 when none.
 */
static krb5_error_code
reply_error(krb5_context ctx, const unsigned char *reply, size_t len,
            unsigned long *status_out)
{
    krb5_data d = { 0, (unsigned int)len, (char *)(uintptr_t)reply };
    krb5_error *err = NULL;
    krb5_error_code code;
    uint32_t status = 0;

    if (status_out != NULL)
        *status_out = 0;
    if (len < 1 || reply[0] != 0x7e || krb5_rd_error(ctx, &d, &err) != 0)
        return 0;
    code = (krb5_error_code)err->error + ERROR_TABLE_BASE_krb5;
    if (status_out != NULL && err->e_data.length > 0 &&
        edata_ntstatus((const unsigned char *)err->e_data.data,
                       err->e_data.length, &status) == 0)
        *status_out = status;
    krb5_free_error(ctx, err);
    return code;
}

/* Remember the realm of a reply that spells ours in another case: the
 * exchange then fails in libkrb5, and the probe says why. */
static void
note_realm_spelling(struct realm_ctx *rc, const unsigned char *reply,
                    size_t len)
{
    struct kdcreply_info info;

    if (kdcreply_parse(reply, len, &info) == 0 &&
        strcmp(info.realm, rc->conf->realm) != 0)
        snprintf(rc->reply_realm, sizeof(rc->reply_realm), "%s", info.realm);
}

/* Is message an AS-REQ ([APPLICATION 10])? */
static int
is_as_req(const krb5_data *message)
{
    return message->length > 0 && (unsigned char)message->data[0] == 0x6a;
}

krb5_error_code
realmctx_fail_io(struct realm_ctx *rc, struct probe_error err, const char *why)
{
    const char *extra = rc->resolve_why[0] ? "; " : "";
    krb5_error_code code = (krb5_error_code)err.code;

    if (err.space == ERR_SPACE_KRB5 && err.code == KRB5KDC_ERR_WRONG_REALM)
        krb5_set_error_message(rc->ctx, code, "Every KDC listed for realm "
                               "'%s' answered for another realm: %s",
                               rc->conf->realm, why);
    else if (err.space == ERR_SPACE_KRB5)
        krb5_set_error_message(rc->ctx, code, "Cannot contact any KDC for "
                               "realm '%s': %s%s%s", rc->conf->realm, why,
                               extra, rc->resolve_why);
    else
        krb5_set_error_message(rc->ctx, code, "No KDC of realm '%s' answered "
                               "in time: %s%s%s", rc->conf->realm, why, extra,
                               rc->resolve_why);
    return code;
}

void
realmctx_trace_reply(struct realm_ctx *rc, size_t msg_len, const char *label,
                     const unsigned char *reply, size_t reply_len)
{
    trace_add(rc->trace, "send: %zu-byte request to realm %s answered by %s "
              "(%zu bytes, %s)", msg_len, rc->conf->realm, label, reply_len,
              reply[0] == 0x7e ? "KRB-ERROR"
              : reply[0] == 0x6b ? "AS-REP" : "TGS-REP");
}

void
realmctx_note_reply(struct realm_ctx *rc, int as_req,
                    const unsigned char *reply, size_t reply_len)
{
    krb5_error_code code;

    note_realm_spelling(rc, reply, reply_len);
    realmroute_observe(rc, rc->conf->realm, NULL, reply, reply_len);
    code = reply_error(rc->ctx, reply, reply_len, &rc->last_status);
    if (rc->last_status != 0)
        trace_add(rc->trace, "send: the KRB-ERROR carries Active Directory's "
                  "extended error %s (0x%08lX)",
                  ntstatus_name(rc->last_status), rc->last_status);
    if (as_req && lockout_is_credential_error(krb5err_from_krb5(code)))
        rc->as_closed = 1;
}

void
realmctx_tap_as(struct realm_ctx *rc, realmctx_tap_fn tap, void *arg)
{
    rc->tap = tap;
    rc->tap_arg = arg;
}

/* The index in rc->eps of the endpoint labelled label (a label of the
 * kdc_set, the same pointer); 0 when none is. */
static size_t
endpoint_of(const struct realm_ctx *rc, const char *label)
{
    for (size_t i = 0; i < rc->n_eps; i++)
        if (rc->eps[i].label == label)
            return i;
    return 0;
}

/*
 * The pre-send hook: do the exchange ourselves and hand libkrb5 the reply,
 * so that libkrb5's sendto loop never runs and the deadline holds.  The
 * first AS-REQ goes to the tap when one is set (the kdc probe sends it to
 * every KDC at once); every other message to kdcio_exchange().
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
    const char *label = NULL;
    char why[1024];
    krb5_data *out;
    int got;

    (void)new_message_out;
    if (!same_realm(realm, rc->conf->realm) && rc->routes != NULL)
        return realmroute_send(rc, realm, message, reply_out);
    if (!same_realm(realm, rc->conf->realm)) {
        krb5_set_error_message(ctx, KRB5_KDC_UNREACH,
                               "Cannot contact any KDC for realm '%.*s': "
                               "it is not a configured realm",
                               (int)realm->length, realm->data);
        return KRB5_KDC_UNREACH;
    }
    if (is_as_req(message) && rc->as_closed) {
        /* A KDC has judged these credentials already in this probe: what
         * libkrb5 would retry (the primary KDC, a preauth "try again")
         * must not present them again.  KRB5_KDC_UNREACH makes libkrb5
         * keep the KDC's own error as the outcome. */
        trace_add(rc->trace, "send: AS-REQ not sent: a KDC refused the "
                  "credentials already in this probe (lockout guard)");
        return KRB5_KDC_UNREACH;
    }
    if (is_as_req(message) && rc->tap != NULL) {
        realmctx_tap_fn tap = rc->tap;
        rc->tap = NULL;
        got = tap(rc->tap_arg, (const unsigned char *)message->data,
                  message->length, &reply, &reply_len, &label, &err, why,
                  sizeof(why));
        if (got == 0)
            used = endpoint_of(rc, label);
    } else {
        got = kdcio_exchange(rc->eps, rc->n_eps,
                             (const unsigned char *)message->data,
                             message->length, rc->conf->realm, rc->deadline,
                             &reply, &reply_len, &used, &err, why,
                             sizeof(why));
    }
    if (got != 0) {
        trace_add(rc->trace, "send: %u-byte request to realm %s: no KDC "
                  "answered: %s", message->length, rc->conf->realm, why);
        return realmctx_fail_io(rc, err, why);
    }
    realmctx_trace_reply(rc, message->length, rc->eps[used].label, reply,
                         reply_len);
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
        reply_error(ctx, reply, reply_len, NULL) ==
            KRB5KRB_ERR_RESPONSE_TOO_BIG) {
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
    realmctx_note_reply(rc, is_as_req(message), reply, reply_len);
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

krb5_error_code
realmctx_open(const struct conf_realm *conf, const struct kdc_set *set,
              double deadline, struct trace *trace, struct realm_state *state,
              struct realm_ctx **out)
{
    struct realm_ctx *rc = NULL;
    struct krbprofile profile;
    krb5_error_code ret;

    memset(&profile, 0, sizeof(profile));
    rc = calloc(1, sizeof(*rc));
    if (rc == NULL)
        return ENOMEM;
    rc->conf = conf;
    rc->state = state;
    rc->deadline = deadline;
    rc->trace = trace;
    ret = krbprofile_build(&profile, conf, set);
    if (ret != 0)
        goto fail;
    if (state != NULL)
        rc->kept = realmstate_take_ctx(state, &profile);
    if (rc->kept != NULL) {
        trace_add(trace, "krb5 context: the one kept from the realm's last "
                  "probe (same KDCs and settings)");
    } else {
        ret = krbctx_new(&profile, &rc->kept);
        if (ret != 0)
            goto fail;
        trace_add(trace, "krb5 context: made new for this probe");
    }
    krbprofile_free(&profile);   /* empty unless the kept one served */
    rc->ctx = rc->kept->ctx;
    /* The hook and the trace point at this session only while it is
     * open; realmctx_close() takes them back. */
    krb5_set_kdc_send_hook(rc->ctx, send_hook, rc);
    trace_attach_krb5(rc->ctx, trace);
    ret = plan_endpoints(rc, set);
    if (ret != 0)
        goto fail;
    *out = rc;
    return 0;
fail:
    krbprofile_free(&profile);
    realmctx_close(rc);
    return ret;
}

void
realmctx_close(struct realm_ctx *rc)
{
    if (rc == NULL)
        return;
    if (rc->kept != NULL) {
        /* Nothing of this probe may reach the next one: not its trace, its
         * send hook (and with it the deadline and KDC list), or its last
         * error message. */
        trace_attach_krb5(rc->kept->ctx, NULL);
        krb5_set_kdc_send_hook(rc->kept->ctx, NULL, NULL);
        krb5_clear_error_message(rc->kept->ctx);
        if (rc->state != NULL)
            realmstate_give_ctx(rc->state, rc->kept);
        else
            krbctx_free(rc->kept);
    }
    realmroute_free(rc->routes);
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
