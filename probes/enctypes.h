/*
 * enctypes: the names of Kerberos encryption types as MIT spells them, and
 * which of them are too weak to trust.  Pure: no I/O, no context.
 */
#ifndef KRB5EXP_ENCTYPES_H
#define KRB5EXP_ENCTYPES_H

#include <stddef.h>
#include <stdint.h>

/*
 * Write MIT's name for enctype into buf[len], as `klist -e` prints it
 * ("aes256-cts-hmac-sha1-96", "arcfour-hmac"), or "enctype-N" for a number
 * libkrb5 does not know.
 */
void enctypes_name(int32_t enctype, char *buf, size_t len);

/*
 * 1 when enctype is deprecated: the DES and triple-DES families and RC4
 * (RFC 6649, RFC 8429; Active Directory is phasing RC4 out).  0 otherwise,
 * unknown numbers included.
 */
int enctypes_weak(int32_t enctype);

#endif
