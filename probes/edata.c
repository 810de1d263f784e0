/* edata: AD's extended error in a KRB-ERROR's e-data; see edata.h. */
#include "probes/edata.h"

#include <errno.h>

/* The universal and context tags this reader meets. */
#define TAG_INTEGER 0x02
#define TAG_OCTET_STRING 0x04
#define TAG_SEQUENCE 0x30
#define TAG_CTX1 0xa1          /* padata-type, data-type */
#define TAG_CTX2 0xa2          /* padata-value, data-value */

/*
 * The type that marks the extended error: PA-PW-SALT (RFC 4120) in a
 * METHOD-DATA, KERB_ERR_TYPE_EXTENDED (MS-KILE 2.2.2) in a KERB-ERROR-DATA.
 * Both are 3, which is why one reader serves both.
 */
#define EXT_ERROR_TYPE 3

/* KERB-EXT-ERROR: status, reserved, flags. */
#define EXT_ERROR_LEN 12

/* NTSTATUS severity bits (the top two): 3 is "error". */
#define SEVERITY_MASK 0xC0000000u
#define SEVERITY_ERROR 0xC0000000u

/* One DER element: its tag and its contents [body, body + len). */
struct der {
    unsigned char tag;
    const unsigned char *body;
    size_t len;
};

/*
 * Read the element at the front of [*p, end) and move *p past it.  Every
 * length is checked against the room left before it is used, so no read
 * and no pointer goes beyond end.  Returns 0, or -1 for anything that is
 * not a definite-length element with a single-octet tag that fits.
 */
static int
der_read(const unsigned char **p, const unsigned char *end, struct der *out)
{
    const unsigned char *q = *p;
    size_t room = (size_t)(end - q), len;

    if (room < 2)
        return -1;
    if ((q[0] & 0x1f) == 0x1f)
        return -1;            /* high tag number: nothing here has one */
    out->tag = q[0];
    if (q[1] < 0x80) {
        len = q[1];
        q += 2;
        room -= 2;
    } else {
        size_t n = q[1] & 0x7f;

        /* 0x80 is the indefinite form, which DER forbids; more than four
         * length octets would describe more than any reply holds. */
        if (n == 0 || n > 4 || n > room - 2)
            return -1;
        len = 0;
        for (size_t i = 0; i < n; i++)
            len = len << 8 | q[2 + i];
        q += 2 + n;
        room -= 2 + n;
    }
    if (len > room)
        return -1;
    out->body = q;
    out->len = len;
    *p = q + len;
    return 0;
}

/* The one element that fills e's contents exactly. */
static int
der_only(const struct der *e, struct der *out)
{
    const unsigned char *p = e->body, *end = e->body + e->len;

    if (der_read(&p, end, out) != 0 || p != end)
        return -1;
    return 0;
}

/* An INTEGER of one to four octets (Int32), sign-extended. */
static int
der_int32(const struct der *e, long *out)
{
    unsigned long v;

    if (e->tag != TAG_INTEGER || e->len == 0 || e->len > 4)
        return -1;
    v = e->body[0] & 0x80 ? ~0UL : 0;
    for (size_t i = 0; i < e->len; i++)
        v = v << 8 | e->body[i];
    *out = (long)v;
    return 0;
}

static uint32_t
le32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
           (uint32_t)b[3] << 24;
}

/*
 * The 12 bytes of a KERB-EXT-ERROR.  The flags word is not looked at:
 * Samba sets 1, or 3 for a TGS-REQ, and MS-KILE gives it no bearing on
 * the status.
 */
static int
ext_error(const unsigned char *b, size_t len, uint32_t *status_out)
{
    uint32_t status;

    if (len != EXT_ERROR_LEN)
        return ENOENT;
    status = le32(b);
    if (le32(b + 4) != 0 || (status & SEVERITY_MASK) != SEVERITY_ERROR)
        return ENOENT;
    *status_out = status;
    return 0;
}

/*
 * The contents of a PA-DATA or a KERB-ERROR-DATA: [1] INTEGER, then [2]
 * OCTET STRING (optional in KERB-ERROR-DATA), nothing else.
 */
static int
typed_value(const struct der *seq, uint32_t *status_out)
{
    const unsigned char *p = seq->body, *end = seq->body + seq->len;
    struct der type_field, value_field, inner;
    long type;

    if (der_read(&p, end, &type_field) != 0 || type_field.tag != TAG_CTX1 ||
        der_only(&type_field, &inner) != 0 || der_int32(&inner, &type) != 0)
        return EINVAL;
    if (p == end)
        return ENOENT;
    if (der_read(&p, end, &value_field) != 0 || p != end ||
        value_field.tag != TAG_CTX2 || der_only(&value_field, &inner) != 0 ||
        inner.tag != TAG_OCTET_STRING)
        return EINVAL;
    if (type != EXT_ERROR_TYPE)
        return ENOENT;
    return ext_error(inner.body, inner.len, status_out);
}

int
edata_ntstatus(const unsigned char *edata, size_t len, uint32_t *status_out)
{
    const unsigned char *p, *end;
    struct der outer, entry;
    int ret = ENOENT;

    if (edata == NULL || len == 0)
        return ENOENT;
    /* No DER element of 12 bytes can hold a 12-byte value, so e-data of
     * that length can only be the bare form. */
    if (len == EXT_ERROR_LEN)
        return ext_error(edata, len, status_out);
    p = edata;
    end = edata + len;
    if (der_read(&p, end, &outer) != 0 || p != end ||
        outer.tag != TAG_SEQUENCE)
        return EINVAL;
    /* A KERB-ERROR-DATA starts with its [1]; a METHOD-DATA with the
     * SEQUENCE of its first PA-DATA (or nothing at all). */
    if (outer.len > 0 && outer.body[0] == TAG_CTX1)
        return typed_value(&outer, status_out);
    p = outer.body;
    end = outer.body + outer.len;
    while (p < end) {
        if (der_read(&p, end, &entry) != 0 || entry.tag != TAG_SEQUENCE)
            return EINVAL;
        ret = typed_value(&entry, status_out);
        if (ret == 0 || ret == EINVAL)
            return ret;
    }
    return ENOENT;
}
