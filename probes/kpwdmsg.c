/* kpwdmsg: kpasswd messages, built and judged; see kpwdmsg.h. */
#include "probes/kpwdmsg.h"

#include <krb5/krb5.h>
#include <stdio.h>
#include <string.h>

#include "probes/kdcreply.h"

/* ASN.1 application tags (constructed) of the messages met here. */
#define TAG_AP_REP 0x6f       /* [APPLICATION 15] */
#define TAG_KRB_PRIV 0x75     /* [APPLICATION 21] */
#define TAG_KRB_ERROR 0x7e    /* [APPLICATION 30] */

size_t
kpwdmsg_frame(unsigned version, const unsigned char *ap, size_t ap_len,
              const unsigned char *body, size_t body_len, unsigned char *out,
              size_t out_size)
{
    size_t total = KPWDMSG_HEADER_LEN + ap_len + body_len;

    if (ap_len > 0xffff || body_len > 0xffff || total > 0xffff ||
        total > out_size)
        return 0;
    out[0] = (unsigned char)(total >> 8);
    out[1] = (unsigned char)total;
    out[2] = (unsigned char)(version >> 8);
    out[3] = (unsigned char)version;
    out[4] = (unsigned char)(ap_len >> 8);
    out[5] = (unsigned char)ap_len;
    if (ap_len > 0)
        memcpy(out + KPWDMSG_HEADER_LEN, ap, ap_len);
    if (body_len > 0)
        memcpy(out + KPWDMSG_HEADER_LEN + ap_len, body, body_len);
    return total;
}

size_t
kpwdmsg_probe_request(unsigned char *out, size_t out_size)
{
    static const unsigned char empty_priv[] = { TAG_KRB_PRIV, 0x00 };

    return kpwdmsg_frame(KPWDMSG_VERSION_CHANGE, NULL, 0, empty_priv,
                         sizeof(empty_priv), out, out_size);
}

const char *
kpwdmsg_result_name(int code)
{
    static const char *const names[] = {
        [KRB5_KPASSWD_SUCCESS] = "KRB5_KPASSWD_SUCCESS",
        [KRB5_KPASSWD_MALFORMED] = "KRB5_KPASSWD_MALFORMED",
        [KRB5_KPASSWD_HARDERROR] = "KRB5_KPASSWD_HARDERROR",
        [KRB5_KPASSWD_AUTHERROR] = "KRB5_KPASSWD_AUTHERROR",
        [KRB5_KPASSWD_SOFTERROR] = "KRB5_KPASSWD_SOFTERROR",
        [KRB5_KPASSWD_ACCESSDENIED] = "KRB5_KPASSWD_ACCESSDENIED",
        [KRB5_KPASSWD_BAD_VERSION] = "KRB5_KPASSWD_BAD_VERSION",
        [KRB5_KPASSWD_INITIAL_FLAG_NEEDED] =
            "KRB5_KPASSWD_INITIAL_FLAG_NEEDED",
    };

    if (code < 0 || (size_t)code >= sizeof(names) / sizeof(names[0]))
        return "unknown";
    return names[code];
}

/* A DER element: its tag, and its contents at [off, off + len). */
struct der {
    unsigned char tag;
    size_t off;
    size_t len;
};

/*
 * Read the element at *pos, below end: definite lengths only, in the short
 * form or the long form of up to four octets.  Returns 0 and moves *pos
 * past it, or -1.  (kdcreply reads the frame of a KRB-ERROR; this reads
 * the other elements the kpasswd probe looks into.)
 */
static int
der_next(const unsigned char *buf, size_t end, size_t *pos, struct der *out)
{
    size_t p = *pos, len;

    if (p >= end || end - p < 2)
        return -1;
    out->tag = buf[p++];
    if (buf[p] < 0x80) {
        len = buf[p++];
    } else {
        size_t n = buf[p++] & 0x7f;
        if (n == 0 || n > 4 || n > end - p)
            return -1;
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

/* Is buf[len] exactly one DER element with tag `tag`? */
static int
is_element(const unsigned char *buf, size_t len, unsigned char tag)
{
    struct der el;
    size_t pos = 0;

    return der_next(buf, len, &pos, &el) == 0 && el.tag == tag && pos == len;
}

/*
 * The kpasswd result in a KRB-ERROR's e-data ([12] OCTET STRING: a uint16
 * result code, then text), into v.  kdcreply_parse() has checked the
 * frame, so a walk that fails here only means there is no such result.
 */
static void
read_result(const unsigned char *buf, size_t len, struct kpwdmsg_verdict *v)
{
    struct der app, seq, el, octets;
    size_t pos = 0, end, n, k;

    v->result_code = -1;
    if (der_next(buf, len, &pos, &app) != 0)
        return;
    pos = app.off;
    if (der_next(buf, app.off + app.len, &pos, &seq) != 0 || seq.tag != 0x30)
        return;
    end = seq.off + seq.len;
    pos = seq.off;
    while (pos < end) {
        size_t in;
        if (der_next(buf, end, &pos, &el) != 0)
            return;
        if (el.tag != 0xac)
            continue;
        in = el.off;
        if (der_next(buf, el.off + el.len, &in, &octets) != 0 ||
            octets.tag != 0x04 || octets.len < 2)
            return;
        v->result_code = buf[octets.off] << 8 | buf[octets.off + 1];
        n = octets.len - 2;
        if (n > sizeof(v->result_string) - 1)
            n = sizeof(v->result_string) - 1;
        for (k = 0; k < n; k++) {
            unsigned char ch = buf[octets.off + 2 + k];
            v->result_string[k] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
        }
        v->result_string[n] = '\0';
        return;
    }
}

/* Take buf[len] as a KRB-ERROR into v; returns 0, or -1 when it is not a
 * well-formed one. */
static int
take_error(const unsigned char *buf, size_t len, struct kpwdmsg_verdict *v)
{
    struct kdcreply_info info;

    if (kdcreply_parse(buf, len, &info) != 0 || info.type != KDCREPLY_ERROR)
        return -1;
    v->body_is_error = 1;
    v->krb_error = info.error_code;
    snprintf(v->realm, sizeof(v->realm), "%s", info.realm);
    read_result(buf, len, v);
    return 0;
}

static struct kpwdmsg_verdict
down(struct kpwdmsg_verdict v, long code, const char *why)
{
    v.up = 0;
    v.form = KPWDMSG_NONE;
    v.error = (struct probe_error){ ERR_SPACE_KRB5, code };
    v.why = why;
    return v;
}

struct kpwdmsg_verdict
kpwdmsg_judge(const unsigned char *data, size_t len)
{
    struct kpwdmsg_verdict v;
    size_t plen, ap_len, body_off;
    unsigned vno;

    memset(&v, 0, sizeof(v));
    v.result_code = -1;
    /* A KRB-ERROR alone.  No kpasswd frame starts with 0x7e unless it is
     * over 32 KiB long, and a frame is tried below if this is not one. */
    if (len >= 2 && data[0] == TAG_KRB_ERROR && take_error(data, len, &v) == 0) {
        v.up = 1;
        v.form = KPWDMSG_BARE_ERROR;
        return v;
    }
    if (len < 4)
        return down(v, KRB5KRB_AP_ERR_MSG_TYPE,
                    "too short for a kpasswd reply or a KRB-ERROR");
    plen = (size_t)data[0] << 8 | data[1];
    vno = (unsigned)data[2] << 8 | data[3];
    if (vno != KPWDMSG_VERSION_CHANGE && vno != KPWDMSG_VERSION_SET) {
        /* A frame of the right length with another version is a kpasswd
         * server of some other protocol; anything else is not kpasswd. */
        if (plen == len && len >= KPWDMSG_HEADER_LEN)
            return down(v, KRB5KDC_ERR_BAD_PVNO,
                        "a kpasswd reply of a protocol version other than "
                        "0x0001 and 0xff80");
        return down(v, KRB5KRB_AP_ERR_MSG_TYPE,
                    "neither a kpasswd reply nor a KRB-ERROR");
    }
    if (len < KPWDMSG_HEADER_LEN || plen != len)
        return down(v, KRB5KRB_AP_ERR_MODIFIED,
                    "a kpasswd reply whose length field is not its size: "
                    "cut short or padded");
    ap_len = (size_t)data[4] << 8 | data[5];
    if (ap_len > len - KPWDMSG_HEADER_LEN)
        return down(v, KRB5KRB_AP_ERR_MODIFIED,
                    "a kpasswd reply whose AP-REP runs past its end");
    if (ap_len > 0 &&
        !is_element(data + KPWDMSG_HEADER_LEN, ap_len, TAG_AP_REP))
        return down(v, KRB5KRB_AP_ERR_MSG_TYPE,
                    "a kpasswd reply whose AP-REP is not one");
    body_off = KPWDMSG_HEADER_LEN + ap_len;
    if (body_off == len)
        return down(v, KRB5KRB_AP_ERR_MSG_TYPE,
                    "a kpasswd reply with neither KRB-PRIV nor KRB-ERROR");
    if (data[body_off] == TAG_KRB_ERROR) {
        if (take_error(data + body_off, len - body_off, &v) != 0)
            return down(v, KRB5KRB_AP_ERR_MSG_TYPE,
                        "a kpasswd reply whose KRB-ERROR does not decode");
    } else if (!is_element(data + body_off, len - body_off, TAG_KRB_PRIV)) {
        return down(v, KRB5KRB_AP_ERR_MSG_TYPE,
                    "a kpasswd reply whose body is neither KRB-PRIV nor "
                    "KRB-ERROR");
    } else if (ap_len == 0) {
        /* A KRB-PRIV is sealed with the AP-REP's key: without one it is
         * nobody's answer (our own request, echoed, looks like this). */
        return down(v, KRB5KRB_AP_ERR_MSG_TYPE,
                    "a KRB-PRIV without the AP-REP it needs");
    }
    v.up = 1;
    v.form = KPWDMSG_REPLY;
    v.version = vno;
    v.ap_rep_len = ap_len;
    return v;
}
