/*
 * kdcreply: the outer frame of a KDC reply, read without libkrb5: which
 * message it is and which realm it speaks for.  A reply must be well-formed
 * DER with the fields RFC 4120 requires before a probe believes it, and it
 * must be for the realm that was asked, or a KDC of another realm (or a
 * stray service that happens to send 0x6b) would pass for this realm's.
 * Pure.
 */
#ifndef KRB5EXP_KDCREPLY_H
#define KRB5EXP_KDCREPLY_H

#include <stddef.h>

enum kdcreply_type { KDCREPLY_AS_REP = 11, KDCREPLY_TGS_REP = 13,
                     KDCREPLY_ERROR = 30 };

struct kdcreply_info {
    enum kdcreply_type type;
    char realm[256];          /* KDC-REP: crealm; KRB-ERROR: realm */
    char ticket_realm[256];   /* KDC-REP: the realm of its ticket, the
                                 realm of the KDC that issued it, which a
                                 cross-realm TGS-REP has apart from the
                                 client's crealm; KRB-ERROR: "" */
    size_t ticket_off;        /* KDC-REP: where its Ticket ([APPLICATION
                                 1], for krb5_decode_ticket()) starts in
                                 buf, and its length; 0 otherwise */
    size_t ticket_len;
    long error_code;          /* KRB-ERROR only: error-code, the protocol
                                 number (e.g. 25 for PREAUTH_REQUIRED) */
};

/*
 * Read the frame of buf: [APPLICATION 11, 13 or 30] around a SEQUENCE with
 * pvno 5, the msg-type matching the tag, and the realm field, every length
 * within buf and the outer one ending exactly at its end.  Returns 0 and
 * fills *out, or -1 when buf is not such a message.
 */
int kdcreply_parse(const unsigned char *buf, size_t len,
                   struct kdcreply_info *out);

/*
 * Does a reply framed as info speak for realm: a KRB-ERROR by its realm,
 * a KDC-REP by its ticket's (a TGS-REP for a client of another realm, in a
 * trust walk, has that realm as its crealm)?  A realm spelt in another
 * case is the same realm's.
 */
int kdcreply_speaks_for(const struct kdcreply_info *info, const char *realm);

#endif
