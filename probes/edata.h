/*
 * edata: Active Directory's extended error, read from the e-data of a
 * KRB-ERROR.  The krb5 error code alone cannot tell a locked-out account
 * from a disabled or an expired one (all three are CLIENT_REVOKED); the
 * NTSTATUS a domain controller puts beside it can.
 *
 * The status travels as KERB-EXT-ERROR (MS-KILE 2.2.1): 12 bytes, an
 * NTSTATUS, a reserved word that is zero, and flags, each a little-endian
 * uint32.  Domain controllers wrap it in one of three ways, all accepted:
 *
 *   - METHOD-DATA (SEQUENCE OF PA-DATA), the entry of padata-type 3
 *     (PA-PW-SALT's number, reused) holding the 12 bytes: Samba 4.17;
 *   - one KERB-ERROR-DATA (MS-KILE 2.2.2), SEQUENCE { data-type [1] 3
 *     (KERB_ERR_TYPE_EXTENDED), data-value [2] the 12 bytes }, which has
 *     the shape of a single PA-DATA: Windows, and later Samba;
 *   - the 12 bytes alone as the e-data.
 *
 * Pure: the bytes are read in place and never beyond len.
 */
#ifndef KRB5EXP_EDATA_H
#define KRB5EXP_EDATA_H

#include <stddef.h>
#include <stdint.h>

/*
 * Find the NTSTATUS in a KRB-ERROR's e-data (the contents of its
 * e-data [12] OCTET STRING; edata is borrowed and may be NULL when len is
 * 0).  Returns 0 and sets *status_out when one is found; otherwise leaves
 * *status_out alone and returns ENOENT when the e-data is well-formed but
 * holds no extended error (e.g. a PREAUTH_REQUIRED's METHOD-DATA, or a
 * real PA-PW-SALT salt), or EINVAL when it is not DER we can read.
 *
 * The DER reader takes definite lengths only (short form, or long form of
 * at most four octets), single-octet tags, and checks every length against
 * what encloses it; the outer element must end exactly at len.  A 12-byte
 * value counts as an extended error only when its reserved word is zero
 * and its status has the error severity (0xC0000000 set), so that a salt
 * that happens to be 12 bytes long is not taken for one.
 */
int edata_ntstatus(const unsigned char *edata, size_t len,
                   uint32_t *status_out);

#endif
