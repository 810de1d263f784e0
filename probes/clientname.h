/*
 * clientname: how a configured client name becomes the principal that logs
 * on.  A name whose realm part is the configured realm, or that has none,
 * is an ordinary principal of the realm.  A name whose realm part is
 * anything else ("monitor@corp.example", "krbmon@ad.test" in realm
 * AD.TEST) is an Active Directory UPN, logged on as an enterprise name
 * (KRB5_NT_ENTERPRISE_PRINCIPAL, with canonicalization), as `kinit -E`
 * does.
 */
#ifndef KRB5EXP_CLIENTNAME_H
#define KRB5EXP_CLIENTNAME_H

#include <krb5/krb5.h>

/* Is `configured` a UPN for realm: an unescaped '@' followed by anything
 * but realm itself?  Pure. */
int clientname_is_enterprise(const char *configured, const char *realm);

/*
 * The tgt probe's target for a client: the name as configured for a UPN,
 * else the name with "@realm" added when it has no realm.  Pure.  Caller
 * frees; NULL when out of memory.
 */
char *clientname_target(const char *configured, const char *realm);

/*
 * Parse configured into *out (caller frees with krb5_free_principal()):
 * an enterprise principal in the context's default realm (the configured
 * realm) for a UPN, an ordinary one otherwise.  Returns a krb5 code.
 */
krb5_error_code clientname_parse(krb5_context ctx, const char *configured,
                                 const char *realm, krb5_principal *out);

#endif
