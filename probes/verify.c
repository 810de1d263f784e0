/* verify: service keytabs against issued tickets; see verify.h. */
#include "probes/verify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clocks.h"
#include "probes/credfile.h"
#include "probes/ktcache.h"
#include "probes/pac.h"

const char *
verify_keytab_of(const struct conf_realm *conf, size_t i)
{
    if (conf->service_keytabs != NULL && i < conf->n_services &&
        conf->service_keytabs[i] != NULL)
        return conf->service_keytabs[i];
    return conf->service_keytab;
}

/*
 * The PAC of a ticket krb5_rd_req() has just decrypted, checked with the
 * keytab entry that decrypted it: the lookup krb5_rd_req() made, by the
 * server principal it was given and the ticket's kvno and enctype.
 */
static krb5_error_code
check_pac(krb5_context ctx, krb5_keytab kt, krb5_const_principal server,
          const krb5_ticket *ticket, enum pac_status *pac_out)
{
    krb5_keytab_entry entry;
    krb5_error_code ret;

    ret = krb5_kt_get_entry(ctx, kt, server, ticket->enc_part.kvno,
                            ticket->enc_part.enctype, &entry);
    if (ret != 0)
        return ret;
    ret = pac_check(ctx, ticket, &entry.key, pac_out);
    krb5_free_keytab_entry_contents(ctx, &entry);
    return ret;
}

/*
 * Present creds to the service side: an AP-REQ made with the ticket and its
 * session key, read back by krb5_rd_req() with the keytab and the ticket's
 * own server principal, as a service that knows its name does.  The
 * server's auth context has no flags, so no replay cache is opened.  The
 * keytab is read by credfile into a MEMORY keytab, so libkrb5 never opens
 * the file (a FIFO or device there could hold the probe).  Then the
 * ticket's PAC is checked (see pac.h), since krb5_rd_req() accepts a PAC
 * whose signature fails: *pac_out is set when the ticket was decrypted and
 * its PAC is absent or valid; a PAC that is there but fails the check
 * fails the whole with pac_check()'s code.
 */
static krb5_error_code
accept_ticket(krb5_context ctx, const char *path, krb5_creds *creds,
              enum pac_status *pac_out)
{
    krb5_auth_context client_ac = NULL, server_ac = NULL;
    krb5_data ap_req = { 0, 0, NULL };
    krb5_keytab kt = NULL;
    krb5_ticket *ticket = NULL;
    krb5_flags ap_options = 0;
    krb5_error_code ret;

    ret = krb5_mk_req_extended(ctx, &client_ac, 0, NULL, creds, &ap_req);
    if (ret == 0)
        ret = krb5_auth_con_init(ctx, &server_ac);
    if (ret == 0)
        ret = krb5_auth_con_setflags(ctx, server_ac, 0);
    if (ret != 0)
        goto cleanup;
    ret = credfile_keytab(ctx, path, &kt);
    if (ret == ENOENT || ret == EACCES || ret == EPERM) {
        /* What krb5_rd_req() makes of a keytab it cannot open, as when it
         * opened the file itself; the message still says why. */
        const char *why = krb5_get_error_message(ctx, ret);
        krb5_set_error_message(ctx, KRB5KRB_AP_ERR_NOKEY, "%s", why);
        krb5_free_error_message(ctx, why);
        ret = KRB5KRB_AP_ERR_NOKEY;
    }
    if (ret == 0)
        ret = krb5_rd_req(ctx, &server_ac, &ap_req, creds->server, kt,
                          &ap_options, &ticket);
    if (ret == KRB5KRB_AP_ERR_NOKEY && kt != NULL) {
        /* libkrb5 names the missing entry only when it reads a FILE
         * keytab itself; say it as it did. */
        char *sname = NULL;
        if (krb5_unparse_name(ctx, creds->server, &sname) == 0)
            krb5_set_error_message(ctx, ret, "No key table entry found for "
                                   "%s", sname);
        krb5_free_unparsed_name(ctx, sname);
    }
    if (ret == 0)
        ret = check_pac(ctx, kt, creds->server, ticket, pac_out);
cleanup:
    krb5_free_ticket(ctx, ticket);
    credfile_keytab_close(ctx, kt);
    krb5_free_data_contents(ctx, &ap_req);
    krb5_auth_con_free(ctx, server_ac);
    krb5_auth_con_free(ctx, client_ac);
    return ret;
}

int
verify_ticket(struct realm_ctx *rc, const char *path, krb5_creds *creds,
              struct realm_result *res)
{
    double start = clocks_now();
    char *target = NULL, *message = NULL, *why = NULL;
    enum pac_status pac = PAC_ABSENT;
    krb5_error_code ret;

    if (krb5_unparse_name(rc->ctx, creds->server, &target) != 0)
        return ENOMEM;
    ret = accept_ticket(rc->ctx, path, creds, &pac);
    if (ret != 0) {
        why = realmctx_message(rc, ret);
        if (asprintf(&message, "keytab \"%s\": %s", path,
                     why ? why : "failed") < 0)
            message = NULL;
        free(why);
        trace_add(rc->trace, "verify: %s with keytab \"%s\": failed: %s "
                  "(%ld): %s", target, path,
                  krb5err_name(krb5err_from_krb5(ret).space, ret), (long)ret,
                  message ? message : "");
    } else {
        trace_add(rc->trace, "verify: %s: the keytab \"%s\" opens the "
                  "ticket", target, path);
        /* The KDC checksum is made with the krbtgt key, which only the
         * KDCs hold: a service cannot check it, nor can the exporter. */
        trace_add(rc->trace, pac == PAC_VALID
                  ? "verify: %s: the ticket's PAC is valid: its server "
                    "checksum verifies with the service key (its KDC "
                    "checksum needs the krbtgt key and is not checked)"
                  : "verify: %s: the ticket carries no PAC", target);
    }
    if (ret == 0 && result_add_pac(res, target, pac == PAC_VALID) != 0) {
        krb5_free_unparsed_name(rc->ctx, target);
        return ENOMEM;
    }
    {
        char *t = strdup(target);
        krb5_free_unparsed_name(rc->ctx, target);
        if (t == NULL) {
            free(message);
            return ENOMEM;
        }
        return result_add_probe(res, PROBE_VERIFY, t, ret == 0,
                                clocks_now() - start,
                                krb5err_from_krb5(ret), message);
    }
}

int
verify_keytab_kvnos(struct realm_ctx *rc, struct realm_result *res)
{
    const struct conf_realm *conf = rc->conf;

    for (size_t i = 0; i < conf->n_services; i++) {
        const char *path = verify_keytab_of(conf, i);
        struct ktcache_summary sum = { NULL, 0 };
        krb5_error_code ret;
        int seen = 0, was_read = 0;

        if (path == NULL)
            continue;
        for (size_t j = 0; j < i && !seen; j++) {
            const char *other = verify_keytab_of(conf, j);
            seen = other != NULL && strcmp(other, path) == 0;
        }
        if (seen)
            continue;
        ret = ktcache_get(rc->state != NULL ? &rc->state->keytabs : NULL,
                          rc->ctx, path, &sum, &was_read);
        if (ret != 0) {
            trace_add(rc->trace, "verify: cannot read keytab \"%s\": %s "
                      "(%ld)", path,
                      krb5err_name(krb5err_from_krb5(ret).space, ret),
                      (long)ret);
            continue;
        }
        trace_add(rc->trace, "verify: keytab \"%s\": %zu principal and "
                  "enctype pairs, %s", path, sum.n,
                  was_read ? "read from disk (new or changed)"
                           : "unchanged since last read");
        for (size_t k = 0; k < sum.n && ret == 0; k++)
            if (result_add_keytab_kvno(res, sum.entries[k].principal,
                                       sum.entries[k].enctype,
                                       sum.entries[k].kvno) != 0)
                ret = ENOMEM;
        ktcache_summary_clear(&sum);
        if (ret != 0)
            return ENOMEM;
    }
    return 0;
}
