/*
 * pac: the PAC (MS-PAC authorization data, AD-WIN2K-PAC, type 128) of a
 * decrypted service ticket, checked as the service that holds the ticket's
 * key can check it.  MIT's krb5_rd_req() parses a PAC but does not fail on
 * a bad signature (it only leaves the PAC unverified), so the verify probe
 * asks here.  Works on memory: no keytab, no KDC, no I/O.
 */
#ifndef KRB5EXP_PAC_H
#define KRB5EXP_PAC_H

#include <krb5/krb5.h>

enum pac_status { PAC_ABSENT, PAC_VALID };

/*
 * Check the PAC of ticket, decrypted (ticket->enc_part2 set, as
 * krb5_rd_req() leaves it), with server_key, the service key that
 * decrypted it.  The PAC is the first AD-WIN2K-PAC in the ticket's
 * authorization data: inside AD-IF-RELEVANT, as AD and MIT KDCs send it,
 * or bare.  It is valid when its server checksum verifies with server_key
 * and its client info names the ticket's client and authtime (the check
 * MIT's own acceptor makes).  The KDC checksum is not checked: it is made
 * with the krbtgt key, which only the KDCs hold.
 *
 * Returns 0 and sets *status_out to PAC_ABSENT (no PAC; MIT KDCs can be
 * set to issue none) or PAC_VALID.  When a PAC is there but is not valid,
 * returns a krb5 code and sets the context's message for it, saying what
 * failed: KRB5KRB_AP_ERR_MODIFIED when the server checksum does not verify,
 * is missing or the PAC does not parse, KRB5KRB_AP_WRONG_PRINC when it
 * names another client or authtime, or what else libkrb5 gives (e.g.
 * KRB5KDC_ERR_SUMTYPE_NOSUPP).  ENOMEM when out of memory.
 */
krb5_error_code pac_check(krb5_context ctx, const krb5_ticket *ticket,
                          const krb5_keyblock *server_key,
                          enum pac_status *status_out);

#endif
