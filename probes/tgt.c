/* tgt: AS exchange for the monitoring principal; see tgt.h. */
#include "probes/tgt.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clocks.h"
#include "probes/clientname.h"
#include "probes/credfile.h"
#include "probes/service.h"

int
tgt_read_password(const char *path, char *buf, size_t buf_len)
{
    /* credfile reads it: never blocking on a FIFO, bounded, wiped. */
    return credfile_read_password(path, buf, buf_len, NULL, 0);
}

struct expiry {
    int has;
    krb5_timestamp password_expiration;
    int has_account;
    krb5_timestamp account_expiration;
};

static void KRB5_CALLCONV
on_expire(krb5_context ctx, void *data, krb5_timestamp password_expiration,
          krb5_timestamp account_expiration, krb5_boolean is_last_req)
{
    struct expiry *e = data;

    (void)ctx;
    (void)is_last_req;
    if (password_expiration != 0) {
        e->has = 1;
        e->password_expiration = password_expiration;
    }
    if (account_expiration != 0) {
        e->has_account = 1;
        e->account_expiration = account_expiration;
    }
}

/* The TGT's lifetime, renewability and enctypes, into ci and res. */
static int
record_tgt_details(krb5_context ctx, const char *target,
                   const krb5_creds *creds, struct client_info *ci,
                   struct realm_result *res)
{
    /* Kerberos times are unsigned 32-bit seconds (good until 2106). */
    ci->has_tgt_times = 1;
    ci->tgt_lifetime = (double)(uint32_t)creds->times.endtime -
                       (double)(uint32_t)creds->times.authtime;
    ci->tgt_renewable = (creds->ticket_flags & TKT_FLG_RENEWABLE) != 0;
    return service_record_enctypes(ctx, PROBE_TGT, target, creds, res);
}

/*
 * Run the AS exchange itself.  Secrets stay in this function.  libkrb5
 * never opens the credential files: credfile reads them (refusing a FIFO or
 * device, which could hold the probe in open()), and a keytab reaches
 * libkrb5 as a MEMORY keytab of this probe's own.
 */
static krb5_error_code
get_initial(struct realm_ctx *rc, const struct conf_client *c,
            krb5_principal client, krb5_get_init_creds_opt *opts,
            krb5_creds *creds)
{
    krb5_keytab kt = NULL;
    krb5_error_code ret;
    char password[1024], why[CREDFILE_MSG_MAX];

    if (c->keytab != NULL) {
        ret = credfile_keytab(rc->ctx, c->keytab, &kt);
        if (ret == 0)
            ret = krb5_get_init_creds_keytab(rc->ctx, creds, client, kt, 0,
                                             NULL, opts);
        goto cleanup;
    }
    ret = credfile_read_password(c->password_file, password, sizeof(password),
                                 why, sizeof(why));
    if (ret != 0) {
        krb5_set_error_message(rc->ctx, ret, "%s", why);
        goto cleanup;
    }
    ret = krb5_get_init_creds_password(rc->ctx, creds, client, password, NULL,
                                       NULL, 0, NULL, opts);
cleanup:
    explicit_bzero(password, sizeof(password));
    credfile_keytab_close(rc->ctx, kt);
    return ret;
}

krb5_error_code
tgt_probe(struct realm_ctx *rc, const struct conf_client *cl,
          struct realm_result *res, krb5_ccache *ccache_out,
          krb5_principal *client_out)
{
    const char *realm = rc->conf->realm;
    int enterprise = clientname_is_enterprise(cl->principal, realm);
    krb5_get_init_creds_opt *opts = NULL;
    krb5_principal client = NULL, logged_on = NULL;
    krb5_ccache cc = NULL;
    krb5_creds creds;
    struct expiry expiry = { 0, 0, 0, 0 };
    struct client_info *ci;
    char *target = NULL, *canonical = NULL, *message = NULL;
    double start = clocks_now();
    krb5_error_code ret;

    memset(&creds, 0, sizeof(creds));
    /* The result's target is the UPN as configured, or the principal as
     * parsed, with its realm; the configured text when it does not even
     * parse. */
    ret = clientname_parse(rc->ctx, cl->principal, realm, &client);
    if (ret == 0 && !enterprise)
        ret = krb5_unparse_name(rc->ctx, client, &canonical);
    target = enterprise || canonical == NULL ? strdup(cl->principal)
                                             : strdup(canonical);
    krb5_free_unparsed_name(rc->ctx, canonical);
    canonical = NULL;
    if (target == NULL) {
        krb5_free_principal(rc->ctx, client);
        return ENOMEM;
    }
    if (ret == 0)
        ret = krb5_cc_new_unique(rc->ctx, "MEMORY", NULL, &cc);
    if (ret == 0)
        ret = krb5_get_init_creds_opt_alloc(rc->ctx, &opts);
    if (ret == 0 && enterprise)
        krb5_get_init_creds_opt_set_canonicalize(opts, 1);
    if (ret == 0)
        ret = krb5_get_init_creds_opt_set_expire_callback(rc->ctx, opts,
                                                          on_expire, &expiry);
    if (ret == 0)
        ret = krb5_get_init_creds_opt_set_out_ccache(rc->ctx, opts, cc);
    if (ret == 0) {
        trace_add(rc->trace, "tgt: AS exchange for %s%s with %s \"%s\"",
                  target, enterprise ? " (a UPN: an enterprise name, "
                  "canonicalized)" : "",
                  cl->keytab ? "keytab" : "password file",
                  cl->keytab ? cl->keytab : cl->password_file);
        ret = get_initial(rc, cl, client, opts, &creds);
    }
    if (ret != 0)
        message = realmctx_message(rc, ret);
    if (ret == 0) {
        if (krb5_unparse_name(rc->ctx, creds.client, &canonical) != 0)
            canonical = NULL;
        trace_add(rc->trace, "tgt: got a TGT for %s, valid until %ld",
                  canonical ? canonical : target,
                  (long)(uint32_t)creds.times.endtime);
    } else {
        trace_add(rc->trace, "tgt: failed: %s (%ld): %s",
                  krb5err_name(krb5err_from_krb5(ret).space, ret), (long)ret,
                  message ? message : "");
    }
    if (result_add_probe(res, PROBE_TGT, strdup(target), ret == 0,
                         clocks_now() - start, krb5err_from_krb5(ret),
                         message) != 0 ||
        res->probes[res->n_probes - 1].target == NULL ||
        (ci = result_add_client(res, strdup(target))) == NULL) {
        ret = ret ? ret : ENOMEM;
        goto cleanup;
    }
    /* A domain controller says which account rule refused the logon. */
    if (ret != 0)
        res->probes[res->n_probes - 1].status = rc->last_status;
    if (expiry.has) {
        ci->has_password_expiry = 1;
        ci->password_expiry = (double)(uint32_t)expiry.password_expiration;
    }
    if (expiry.has_account) {
        ci->has_account_expiry = 1;
        ci->account_expiry = (double)(uint32_t)expiry.account_expiration;
    }
    if (ret != 0)
        goto cleanup;
    if (enterprise && canonical != NULL) {
        ci->canonical = strdup(canonical);
        if (ci->canonical == NULL) {
            ret = ENOMEM;
            goto cleanup;
        }
    }
    if (record_tgt_details(rc->ctx, target, &creds, ci, res) != 0) {
        ret = ENOMEM;
        goto cleanup;
    }
    if (ccache_out != NULL) {
        /* The services ask with the name the KDC gave: the ccache holds the
         * TGT under it. */
        ret = krb5_copy_principal(rc->ctx, creds.client, &logged_on);
        if (ret != 0)
            goto cleanup;
        *ccache_out = cc;
        *client_out = logged_on;
        cc = NULL;
    }
cleanup:
    krb5_free_cred_contents(rc->ctx, &creds);
    krb5_get_init_creds_opt_free(rc->ctx, opts);
    if (cc != NULL)
        krb5_cc_destroy(rc->ctx, cc);
    krb5_free_principal(rc->ctx, client);
    krb5_free_unparsed_name(rc->ctx, canonical);
    free(target);
    return ret;
}
