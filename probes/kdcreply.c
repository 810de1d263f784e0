/* kdcreply: the frame of a KDC reply; see kdcreply.h. */
#include "probes/kdcreply.h"

#include <string.h>
#include <strings.h>

/* A DER element: its tag, and its contents at [off, off + len). */
struct der {
    unsigned char tag;
    size_t off;
    size_t len;
};

/*
 * Read the element starting at *pos (below end).  Lengths are definite, in
 * the short form or the long form with up to four octets.  Returns 0 and
 * moves *pos past it, or -1.
 */
static int
der_next(const unsigned char *buf, size_t end, size_t *pos, struct der *out)
{
    size_t p = *pos, len;

    if (p + 2 > end)
        return -1;
    out->tag = buf[p++];
    if (buf[p] < 0x80) {
        len = buf[p++];
    } else {
        size_t n = buf[p++] & 0x7f;
        if (n == 0 || n > 4 || p + n > end)
            return -1;        /* indefinite or absurd */
        len = 0;
        while (n-- > 0)
            len = len << 8 | buf[p++];
    }
    if (len > end - p)
        return -1;
    out->off = p;
    out->len = len;
    *pos = p + len;
    return 0;
}

/* A small non-negative INTEGER inside a context tag's contents. */
static int
der_small_int(const unsigned char *buf, const struct der *wrapper,
              long *out)
{
    size_t pos = wrapper->off;
    struct der in;
    long v = 0;

    if (der_next(buf, wrapper->off + wrapper->len, &pos, &in) != 0 ||
        in.tag != 0x02 || in.len == 0 || in.len > 4 ||
        pos != wrapper->off + wrapper->len)
        return -1;
    for (size_t i = 0; i < in.len; i++)
        v = v << 8 | buf[in.off + i];
    if (buf[in.off] & 0x80)   /* negative: not a field we read */
        return -1;
    *out = v;
    return 0;
}

/*
 * The realm of the Ticket ([APPLICATION 1] SEQUENCE { tkt-vno [0], realm
 * [1] Realm, ... }) inside a KDC-REP's ticket field (its contents in w),
 * into out (out_len bytes), and where the Ticket is.  Returns 0, or -1
 * when it is not such a ticket.
 */
static int
ticket_realm(const unsigned char *buf, const struct der *w, char *out,
             size_t out_len, size_t *off_out, size_t *len_out)
{
    size_t pos = w->off, end = w->off + w->len;
    struct der app, seq, el, s;

    if (der_next(buf, end, &pos, &app) != 0 || app.tag != 0x61 ||
        pos != end)
        return -1;
    *off_out = w->off;
    *len_out = w->len;
    pos = app.off;
    if (der_next(buf, app.off + app.len, &pos, &seq) != 0 || seq.tag != 0x30)
        return -1;
    pos = seq.off;
    while (pos < seq.off + seq.len) {
        if (der_next(buf, seq.off + seq.len, &pos, &el) != 0)
            return -1;
        if (el.tag != 0xa1)
            continue;
        size_t in_pos = el.off;
        if (der_next(buf, el.off + el.len, &in_pos, &s) != 0 ||
            s.tag != 0x1b || s.len == 0 || s.len >= out_len ||
            memchr(buf + s.off, '\0', s.len) != NULL)
            return -1;
        memcpy(out, buf + s.off, s.len);
        out[s.len] = '\0';
        return 0;
    }
    return -1;
}

int
kdcreply_speaks_for(const struct kdcreply_info *info, const char *realm)
{
    return strcasecmp(info->type == KDCREPLY_ERROR ? info->realm
                                                   : info->ticket_realm,
                      realm) == 0;
}

int
kdcreply_parse(const unsigned char *buf, size_t len,
               struct kdcreply_info *out)
{
    struct kdcreply_info info;
    struct der app, seq, el;
    size_t pos = 0, end;
    unsigned char realm_tag;
    long pvno = -1, type = -1;
    int have_realm = 0, have_code = 0, have_ticket = 0;

    memset(&info, 0, sizeof(info));
    if (der_next(buf, len, &pos, &app) != 0 || pos != len)
        return -1;
    switch (app.tag) {
    case 0x6b: info.type = KDCREPLY_AS_REP; realm_tag = 0xa3; break;
    case 0x6d: info.type = KDCREPLY_TGS_REP; realm_tag = 0xa3; break;
    case 0x7e: info.type = KDCREPLY_ERROR; realm_tag = 0xa9; break;
    default: return -1;
    }
    pos = app.off;
    if (der_next(buf, app.off + app.len, &pos, &seq) != 0 || seq.tag != 0x30 ||
        pos != app.off + app.len)
        return -1;
    end = seq.off + seq.len;
    pos = seq.off;
    while (pos < end) {
        if (der_next(buf, end, &pos, &el) != 0)
            return -1;
        if (el.tag == 0xa0 && der_small_int(buf, &el, &pvno) != 0)
            return -1;
        if (el.tag == 0xa1 && der_small_int(buf, &el, &type) != 0)
            return -1;
        if (info.type != KDCREPLY_ERROR && el.tag == 0xa5) {
            if (ticket_realm(buf, &el, info.ticket_realm,
                             sizeof(info.ticket_realm), &info.ticket_off,
                             &info.ticket_len) != 0)
                return -1;
            have_ticket = 1;
        }
        if (info.type == KDCREPLY_ERROR && el.tag == 0xa6) {
            if (der_small_int(buf, &el, &info.error_code) != 0)
                return -1;
            have_code = 1;
        }
        if (el.tag == realm_tag) {
            size_t in_pos = el.off;
            struct der s;
            if (der_next(buf, el.off + el.len, &in_pos, &s) != 0 ||
                s.tag != 0x1b || s.len == 0 || s.len >= sizeof(info.realm))
                return -1;
            memcpy(info.realm, buf + s.off, s.len);
            info.realm[s.len] = '\0';
            if (memchr(info.realm, '\0', s.len) != NULL)
                return -1;
            have_realm = 1;
        }
    }
    if (pvno != 5 || type != (long)info.type || !have_realm ||
        (info.type == KDCREPLY_ERROR && !have_code) ||
        (info.type != KDCREPLY_ERROR && !have_ticket))
        return -1;
    *out = info;
    return 0;
}
