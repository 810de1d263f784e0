/* pac: the PAC of a decrypted service ticket; see pac.h. */
#include "probes/pac.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "probes/enctypes.h"

/*
 * Fail with code: set its message on ctx to the text fmt makes, followed
 * by libkrb5's own message for lib (what the library call returned, which
 * may differ from code) unless lib is 0.  Returns code.  pac_check()
 * clears the context's message first, so that libkrb5's message is the
 * call's and not one left from an earlier failure with the same code.
 */
static krb5_error_code __attribute__((format(printf, 4, 5)))
fail(krb5_context ctx, krb5_error_code code, krb5_error_code lib,
     const char *fmt, ...)
{
    const char *why = lib != 0 ? krb5_get_error_message(ctx, lib) : NULL;
    char what[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (why != NULL)
        krb5_set_error_message(ctx, code, "%s: %s", what, why);
    else
        krb5_set_error_message(ctx, code, "%s", what);
    krb5_free_error_message(ctx, why);
    return code;
}

/* Does pac hold a buffer of this type? */
static int
has_buffer(krb5_context ctx, krb5_pac pac, krb5_ui_4 type)
{
    krb5_ui_4 *types = NULL;
    size_t n = 0;
    int found = 0;

    if (krb5_pac_get_types(ctx, pac, &n, &types) != 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        found |= types[i] == type;
    free(types);
    return found;
}

/* libkrb5 answers a PAC it cannot make sense of with errno values (EINVAL,
 * ERANGE, ENOENT for a missing buffer).  Said of a ticket, that is a PAC
 * not as the KDC made it. */
static krb5_error_code
as_modified(krb5_error_code ret)
{
    return ret == EINVAL || ret == ERANGE || ret == ENOENT
               ? KRB5KRB_AP_ERR_MODIFIED : ret;
}

/*
 * Is the PAC about this ticket?  Its client info must name the ticket's
 * client (without the realm) at the ticket's authtime; the message says
 * what it names instead.
 */
static krb5_error_code
check_client(krb5_context ctx, krb5_pac pac, const krb5_enc_tkt_part *enc)
{
    krb5_error_code ret, r2;
    krb5_timestamp pac_authtime = 0;
    char *pac_name = NULL, *ticket_name = NULL;

    ret = krb5_pac_verify(ctx, pac, enc->times.authtime, enc->client, NULL,
                          NULL);
    if (ret == 0 || ret == ENOMEM)
        return ret;
    r2 = krb5_pac_get_client_info(ctx, pac, &pac_authtime, &pac_name);
    if (r2 == 0)
        r2 = krb5_unparse_name_flags(ctx, enc->client,
                                     KRB5_PRINCIPAL_UNPARSE_NO_REALM,
                                     &ticket_name);
    if (r2 == 0)
        ret = fail(ctx, as_modified(ret), ret, "the PAC is not this "
                   "ticket's: its client info names \"%s\" at authtime %ld, "
                   "the ticket \"%s\" at %ld", pac_name, (long)pac_authtime,
                   ticket_name, (long)enc->times.authtime);
    else
        ret = fail(ctx, as_modified(ret), ret, "the PAC's client info "
                   "cannot be read");
    free(pac_name);
    krb5_free_unparsed_name(ctx, ticket_name);
    return ret;
}

krb5_error_code
pac_check(krb5_context ctx, const krb5_ticket *ticket,
          const krb5_keyblock *server_key, enum pac_status *status_out)
{
    const krb5_enc_tkt_part *enc = ticket->enc_part2;
    krb5_authdata **found = NULL;
    krb5_pac pac = NULL;
    krb5_error_code ret;
    char enctype[64];

    if (enc == NULL)
        return EINVAL;
    krb5_clear_error_message(ctx);
    /* AD-IF-RELEVANT containers are searched too. */
    ret = krb5_find_authdata(ctx, enc->authorization_data, NULL,
                             KRB5_AUTHDATA_WIN2K_PAC, &found);
    if (ret != 0) {
        ret = fail(ctx, ret, ret, "the ticket's authorization data cannot "
                   "be read");
        goto cleanup;
    }
    if (found == NULL || found[0] == NULL) {
        *status_out = PAC_ABSENT;
        goto cleanup;
    }
    ret = krb5_pac_parse(ctx, found[0]->contents, found[0]->length, &pac);
    if (ret != 0) {
        if (ret != ENOMEM)
            ret = fail(ctx, as_modified(ret), ret, "the ticket's PAC does "
                       "not parse");
        goto cleanup;
    }
    /* Both signature buffers must be there: libkrb5 zeroes both before it
     * checks one, and answers a missing one with ENOENT, which would read
     * as "file not found". */
    if (!has_buffer(ctx, pac, KRB5_PAC_SERVER_CHECKSUM) ||
        !has_buffer(ctx, pac, KRB5_PAC_PRIVSVR_CHECKSUM)) {
        ret = fail(ctx, KRB5KRB_AP_ERR_MODIFIED, 0,
                   "the ticket's PAC has no %s checksum",
                   has_buffer(ctx, pac, KRB5_PAC_SERVER_CHECKSUM) ? "KDC"
                                                                  : "server");
        goto cleanup;
    }
    /* The server checksum only: the KDC checksum (and the ticket checksum
     * of MIT 1.20 and recent AD KDCs) is made with the krbtgt key, which
     * only the KDCs hold, so neither a service nor the exporter can check
     * it. */
    ret = krb5_pac_verify(ctx, pac, 0, NULL, server_key, NULL);
    if (ret != 0) {
        if (ret != ENOMEM) {
            enctypes_name(server_key->enctype, enctype, sizeof(enctype));
            ret = fail(ctx, as_modified(ret), ret, "the ticket's PAC fails "
                       "its server checksum with the service key (%s) that "
                       "decrypted the ticket: the PAC was altered, or signed "
                       "with another key", enctype);
        }
        goto cleanup;
    }
    ret = check_client(ctx, pac, enc);
    if (ret == 0)
        *status_out = PAC_VALID;
cleanup:
    krb5_pac_free(ctx, pac);
    krb5_free_authdata(ctx, found);
    return ret;
}
