/*
 * kpwdmsg: the messages of the kpasswd probe, built and read without
 * libkrb5.  A kpasswd message (RFC 3244, and the change-password protocol
 * of draft-ietf-cat-kerb-chg-password it extends) is
 *
 *   message length    uint16, the whole message, these two bytes included
 *   protocol version  uint16: 0x0001 (change password) or 0xff80 (set)
 *   AP length         uint16: bytes of the AP-REQ (a reply: the AP-REP)
 *   AP-REQ            (a reply: the AP-REP, empty in an error reply)
 *   KRB-PRIV          (a reply: a KRB-PRIV, or a KRB-ERROR)
 *
 * all big-endian; over UDP one datagram, over TCP behind the same 4-byte
 * length prefix as a Kerberos message (kdcio adds and strips it).  Pure.
 */
#ifndef KRB5EXP_KPWDMSG_H
#define KRB5EXP_KPWDMSG_H

#include <stddef.h>

#include "probes/krb5err.h"

#define KPWDMSG_VERSION_CHANGE 0x0001u
#define KPWDMSG_VERSION_SET 0xff80u
#define KPWDMSG_HEADER_LEN 6u

/*
 * Frame a message: the header for `version`, then ap[ap_len] (may be
 * empty) and body[body_len], into out[out_size].  Returns the message's
 * length, or 0 when it does not fit out or the 16-bit length fields.
 */
size_t kpwdmsg_frame(unsigned version, const unsigned char *ap,
                     size_t ap_len, const unsigned char *body,
                     size_t body_len, unsigned char *out, size_t out_size);

/*
 * The probe's request into out[out_size]: version 0x0001, an empty AP-REQ
 * and an empty KRB-PRIV ([APPLICATION 21] with no contents).  It presents
 * no credential and carries no password, so no server can change anything
 * for it; a kpasswd server answers that it cannot read the AP-REQ (MIT's
 * kadmind: a kpasswd reply whose KRB-ERROR carries result code
 * KRB5_KPASSWD_AUTHERROR).  The KRB-PRIV is there because kadmind does
 * not answer a message that ends after the AP-REQ at all.  Returns its
 * length, or 0 when out is too small.
 */
size_t kpwdmsg_probe_request(unsigned char *out, size_t out_size);

/* Which shape a reply had. */
enum kpwdmsg_form {
    KPWDMSG_NONE,             /* not a reply (the verdict is down) */
    KPWDMSG_REPLY,            /* a kpasswd reply frame */
    KPWDMSG_BARE_ERROR,       /* a KRB-ERROR alone, as some Windows DCs
                                 send (MIT's client takes it too) */
};

/* What a reply to the probe's request says. */
struct kpwdmsg_verdict {
    int up;
    struct probe_error error; /* when not up: ERR_SPACE_KRB5 */
    const char *why;          /* static: when not up, why, in a phrase */
    enum kpwdmsg_form form;
    unsigned version;         /* KPWDMSG_REPLY: its protocol version */
    size_t ap_rep_len;        /* KPWDMSG_REPLY: bytes of AP-REP */
    int body_is_error;        /* the body is a KRB-ERROR, else a KRB-PRIV */
    long krb_error;           /* body_is_error: its error-code, the
                                 protocol number (60: KRB_ERR_GENERIC) */
    char realm[256];          /* body_is_error: its realm */
    int result_code;          /* body_is_error: the kpasswd result code
                                 its e-data carries; -1 when none */
    char result_string[128];  /* the text after the result code, bytes
                                 outside printable ASCII as '?', cut to
                                 fit */
};

/*
 * Judge data[len], a reply to the probe's request.  Up when it is a
 * well-formed kpasswd reply (its length field its size, version 0x0001 or
 * 0xff80, an AP-REP that is one when there is any, and a body that is a
 * KRB-PRIV after an AP-REP or a well-formed KRB-ERROR) or a well-formed
 * KRB-ERROR alone.
 * Otherwise down, with the code MIT's own kpasswd client gives:
 *   KRB5KRB_AP_ERR_MODIFIED  a kpasswd reply cut short or padded (its
 *                            length field is not its size, or its AP-REP
 *                            runs past its end);
 *   KRB5KDC_ERR_BAD_PVNO     a kpasswd frame of another version;
 *   KRB5KRB_AP_ERR_MSG_TYPE  anything else (no kpasswd reply and no
 *                            KRB-ERROR, or a body that is neither).
 * The realm of a KRB-ERROR is reported, not judged: which realm a kpasswd
 * server names in its errors varies between servers.
 */
struct kpwdmsg_verdict kpwdmsg_judge(const unsigned char *data, size_t len);

/* Static name of a kpasswd result code as krb5.h spells it
 * ("KRB5_KPASSWD_AUTHERROR"); "unknown" for others. */
const char *kpwdmsg_result_name(int code);

#endif
