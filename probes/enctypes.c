/* enctypes: enctype names and strength; see enctypes.h. */
#include "probes/enctypes.h"

#include <krb5/krb5.h>
#include <stdio.h>

/*
 * The deprecated families by number: DES (1-4, 8), triple DES (5-7, 16) and
 * RC4 (23, 24).  libkrb5 1.20 keeps its own verdict
 * (krb5_c_deprecated_enctype) out of its public headers, so the list is
 * the whole of it.
 */
static const int32_t weak_enctypes[] = {
    ENCTYPE_DES_CBC_CRC, ENCTYPE_DES_CBC_MD4, ENCTYPE_DES_CBC_MD5,
    ENCTYPE_DES_CBC_RAW, ENCTYPE_DES3_CBC_SHA, ENCTYPE_DES3_CBC_RAW,
    ENCTYPE_DES_HMAC_SHA1, ENCTYPE_DES3_CBC_SHA1, ENCTYPE_ARCFOUR_HMAC,
    ENCTYPE_ARCFOUR_HMAC_EXP,
    7 /* des3-cbc-sha1 without key derivation: IANA's, no macro in krb5.h */,
};

void
enctypes_name(int32_t enctype, char *buf, size_t len)
{
    /* The long form is MIT's primary name; the short one would say
     * "aes256-cts" for aes256-cts-hmac-sha1-96. */
    if (krb5_enctype_to_name(enctype, FALSE, buf, len) != 0)
        snprintf(buf, len, "enctype-%ld", (long)enctype);
}

int
enctypes_weak(int32_t enctype)
{
    for (size_t i = 0; i < sizeof(weak_enctypes) / sizeof(weak_enctypes[0]);
         i++)
        if (weak_enctypes[i] == enctype)
            return 1;
    return 0;
}
