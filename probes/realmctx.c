/* realmctx: per-realm krb5 context with our own KDC I/O; see realmctx.h. */
#include "probes/realmctx.h"

#include <errno.h>
#include <profile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/deadline.h"

size_t
realmctx_plan(enum conf_transport transport, const struct resolved_addr *addrs,
              char *const *udp_labels, char *const *tcp_labels,
              size_t n_addrs, struct kdcio_endpoint *eps)
{
    size_t n = 0;

    if (transport != TRANSPORT_TCP) {
        for (size_t i = 0; i < n_addrs; i++)
            eps[n++] = (struct kdcio_endpoint){ KDCIO_UDP, addrs[i],
                                                udp_labels[i] };
    }
    if (transport != TRANSPORT_UDP) {
        for (size_t i = 0; i < n_addrs; i++)
            eps[n++] = (struct kdcio_endpoint){ KDCIO_TCP, addrs[i],
                                                tcp_labels[i] };
    }
    return n;
}

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
                       message->length, rc->deadline, &reply, &reply_len,
                       &used, &err, why, sizeof(why)) != 0) {
        const char *extra = rc->resolve_why[0] ? "; " : "";
        if (err.space == ERR_SPACE_KRB5)
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
    if (rc->eps[used].proto == KDCIO_UDP &&
        too_big_for_udp(ctx, reply, reply_len)) {
        /* Ask the same KDC again over TCP, as libkrb5 would. */
        struct kdcio_endpoint tcp = rc->eps[used];
        free(reply);
        reply = NULL;
        tcp.proto = KDCIO_TCP;
        if (kdcio_exchange(&tcp, 1, (const unsigned char *)message->data,
                           message->length, rc->deadline, &reply, &reply_len,
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

/* Resolve the configured KDCs and lay out rc->eps. */
static krb5_error_code
resolve_kdcs(struct realm_ctx *rc)
{
    const struct conf_realm *c = rc->conf;
    struct resolved_addr *all = NULL;
    char **udp = NULL, **tcp = NULL;
    size_t n_all = 0, off = 0;
    krb5_error_code ret = ENOMEM;

    for (size_t i = 0; i < c->n_kdcs; i++) {
        struct resolved_addr *addrs = NULL, *grown;
        struct probe_error err;
        size_t n = 0;

        if (resolve_host(c->kdcs[i].host, c->kdcs[i].port, rc->deadline,
                         &addrs, &n, &err) != 0) {
            int w = snprintf(rc->resolve_why + off,
                             sizeof(rc->resolve_why) - off,
                             "%s%s: %s", off ? "; " : "", c->kdcs[i].host,
                             krb5err_name(err.space, err.code));
            if (w > 0 && (size_t)w < sizeof(rc->resolve_why) - off)
                off += (size_t)w;
            continue;
        }
        grown = realloc(all, (n_all + n) * sizeof(*all));
        if (grown == NULL) {
            free(addrs);
            goto cleanup;
        }
        all = grown;
        memcpy(all + n_all, addrs, n * sizeof(*all));
        n_all += n;
        free(addrs);
    }
    udp = calloc(n_all + 1, sizeof(*udp));
    tcp = calloc(n_all + 1, sizeof(*tcp));
    rc->eps = calloc(2 * n_all + 1, sizeof(*rc->eps));
    rc->labels = calloc(2 * n_all + 1, sizeof(*rc->labels));
    if (udp == NULL || tcp == NULL || rc->eps == NULL || rc->labels == NULL)
        goto cleanup;
    rc->n_labels = 2 * n_all;
    for (size_t i = 0; i < n_all; i++) {
        char hp[64];
        resolve_format(&all[i], hp);
        if (asprintf(&udp[i], "udp/%s", hp) < 0) {
            udp[i] = NULL;
            goto cleanup;
        }
        rc->labels[2 * i] = udp[i];
        if (asprintf(&tcp[i], "tcp/%s", hp) < 0) {
            tcp[i] = NULL;
            goto cleanup;
        }
        rc->labels[2 * i + 1] = tcp[i];
    }
    rc->n_eps = realmctx_plan(c->transport, all, udp, tcp, n_all, rc->eps);
    ret = 0;
cleanup:
    /* The label strings are owned through rc->labels. */
    free(udp);
    free(tcp);
    free(all);
    return ret;
}

krb5_error_code
realmctx_open(const struct conf_realm *conf, double deadline,
              struct realm_ctx **out)
{
    struct realm_ctx *rc;
    profile_t profile = NULL;
    krb5_error_code ret;

    rc = calloc(1, sizeof(*rc));
    if (rc == NULL)
        return ENOMEM;
    rc->conf = conf;
    rc->deadline = deadline;
    ret = krbprofile_build(&rc->profile, conf);
    if (ret != 0)
        goto fail;
    ret = (krb5_error_code)krbprofile_open(&rc->profile, (void **)&profile);
    if (ret != 0)
        goto fail;
    ret = krb5_init_context_profile(profile, 0, &rc->ctx);
    profile_release(profile);
    if (ret != 0)
        goto fail;
    krb5_set_kdc_send_hook(rc->ctx, send_hook, rc);
    ret = resolve_kdcs(rc);
    if (ret != 0)
        goto fail;
    *out = rc;
    return 0;
fail:
    realmctx_free(rc);
    return ret;
}

void
realmctx_free(struct realm_ctx *rc)
{
    if (rc == NULL)
        return;
    if (rc->ctx != NULL)
        krb5_free_context(rc->ctx);
    krbprofile_free(&rc->profile);
    for (size_t i = 0; i < rc->n_labels; i++)
        free(rc->labels[i]);
    free(rc->labels);
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
