/*
 * test_kpasswd: the kpasswd probe.  Tables for the pure half (kpwdmsg):
 * the request built, and the judgement of replies (MIT kadmind's and
 * Samba's own replies, a bare KRB-ERROR, cut short, padded, another
 * version, junk); then the probe end to end over loopback peers of its
 * own, UDP and TCP (the 4-byte TCP length prefix both ways, a reply
 * without it, a peer that hangs up half-way, a silent peer, a closed
 * port); and which endpoints a realm's config gives.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <krb5/krb5.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/clocks.h"
#include "probes/discovery.h"
#include "probes/dns.h"
#include "probes/kpasswd.h"
#include "probes/kpwdmsg.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/*
 * MIT kadmind 1.20's answer to the probe's request, as captured over UDP:
 * a version-1 kpasswd reply, no AP-REP, and a KRB-ERROR (KRB_ERR_GENERIC,
 * realm KPW.TEST, server kadmin/changepw) whose e-data holds result code 3
 * (KRB5_KPASSWD_AUTHERROR) and "Failed reading application request".
 */
#define MIT_HEADER "008400010000"
#define MIT_ERROR                                                          \
    "7e7c307aa003020105a10302011ea411180f32303236313230313038323734365a"   \
    "a503020100a60302013ca90a1b084b50572e54455354aa1d301ba003020101a114"   \
    "30121b066b61646d696e1b086368616e67657077ac26042400034661696c656420"   \
    "72656164696e67206170706c69636174696f6e2072657175657374"
#define MIT_REPLY MIT_HEADER MIT_ERROR
/* The same KRB-ERROR's fields without e-data, for the variants below. */
#define ERROR_FIELDS                                                       \
    "a003020105a10302011ea411180f32303236313230313038323734365a"           \
    "a503020100a60302013ca90a1b084b50572e54455354aa1d301ba003020101a114"   \
    "30121b066b61646d696e1b086368616e67657077"

/* Hex to bytes; returns the count.  The tables are ours, so a bad digit
 * is a bug in this file. */
static size_t
unhex(const char *hex, unsigned char *out, size_t size)
{
    size_t n = strlen(hex) / 2;

    assert_true(strlen(hex) % 2 == 0 && n <= size);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (unsigned char)v;
    }
    return n;
}

/* ---- the request ---- */

struct frame_case {
    unsigned version;
    const char *ap;           /* hex */
    const char *body;         /* hex */
    size_t out_size;
    const char *expected;     /* hex; NULL: does not fit */
    const char *why;
};

static void
test_request(void **state)
{
    static const struct frame_case cases[] = {
        { KPWDMSG_VERSION_CHANGE, "", "7500", 64, "0008000100007500",
          "the probe's shape: version 1, no AP-REQ, an empty KRB-PRIV" },
        { KPWDMSG_VERSION_SET, "6e00", "7500", 64, "000a ff80 0002 6e00 7500",
          "set-password version, with an AP-REQ" },
        { KPWDMSG_VERSION_CHANGE, "", "", 64, "000600010000",
          "header only" },
        { KPWDMSG_VERSION_CHANGE, "", "7500", 7, NULL,
          "one byte short of the output" },
        { KPWDMSG_VERSION_CHANGE, "", "7500", 8, "0008000100007500",
          "exactly the output's size" },
    };
    unsigned char ap[64], body[64], out[64], want[64], req[16];
    char expected[128];

    (void)state;
    for (size_t i = 0; i < COUNT(cases); i++) {
        const struct frame_case *c = &cases[i];
        size_t ap_len = unhex(c->ap, ap, sizeof(ap));
        size_t body_len = unhex(c->body, body, sizeof(body));
        size_t got = kpwdmsg_frame(c->version, ap, ap_len, body, body_len,
                                   out, c->out_size);
        size_t want_len = 0;

        if (c->expected != NULL) {
            size_t k = 0;
            for (const char *p = c->expected; *p; p++)
                if (*p != ' ')
                    expected[k++] = *p;
            expected[k] = '\0';
            want_len = unhex(expected, want, sizeof(want));
        }
        if (got != want_len || memcmp(out, want, want_len) != 0) {
            print_message("case %zu (%s): got %zu bytes, want %zu\n", i,
                          c->why, got, want_len);
            fail();
        }
    }
    /* Lengths beyond the 16-bit fields are refused, not wrapped. */
    {
        static unsigned char big[0x10000 + 16], big_out[0x10000 + 16];
        assert_int_equal(kpwdmsg_frame(1, big, 0x10000, NULL, 0, big_out,
                                       sizeof(big_out)), 0);
        assert_int_equal(kpwdmsg_frame(1, big, 0xfffa, big, 1, big_out,
                                       sizeof(big_out)), 0);
        assert_int_equal(kpwdmsg_frame(1, big, 0xfff9, NULL, 0, big_out,
                                       sizeof(big_out)), 0xffff);
    }
    assert_int_equal(kpwdmsg_probe_request(req, sizeof(req)), 8);
    assert_memory_equal(req, "\x00\x08\x00\x01\x00\x00\x75\x00", 8);
    assert_int_equal(kpwdmsg_probe_request(req, 7), 0);
    /* The request judged as a reply is no answer: a peer that echoes
     * what it gets (a UDP echo service) is not a kpasswd server. */
    kpwdmsg_probe_request(req, sizeof(req));
    assert_false(kpwdmsg_judge(req, 8).up);
}

/* ---- judging replies ---- */

struct judge_case {
    const char *hex;
    size_t cut;               /* use only the first cut bytes; 0: all */
    int up;
    long code;                /* when down: the krb5 code */
    enum kpwdmsg_form form;
    int body_is_error;
    long krb_error;
    int result_code;
    const char *result_string;
    const char *why;
};

static void
test_judge(void **state)
{
    static const struct judge_case cases[] = {
        { MIT_REPLY, 0, 1, 0, KPWDMSG_REPLY, 1, 60, 3,
          "Failed reading application request",
          "MIT kadmind's reply: a kpasswd reply holding a KRB-ERROR" },
        { MIT_ERROR, 0, 1, 0, KPWDMSG_BARE_ERROR, 1, 60, 3,
          "Failed reading application request",
          "the same KRB-ERROR without the kpasswd frame (Windows may)" },
        { "0084ff800000" MIT_ERROR, 0, 1, 0, KPWDMSG_REPLY, 1, 60, 3,
          "Failed reading application request",
          "version 0xff80 (RFC 3244 set-password)" },
        { "005c00010000" "7e543052" ERROR_FIELDS, 0, 1, 0, KPWDMSG_REPLY, 1,
          60, -1, "", "a KRB-ERROR without e-data: up, no result code" },
        { "006100010000" "7e593057" ERROR_FIELDS "ac03040100", 0, 1, 0,
          KPWDMSG_REPLY, 1, 60, -1, "",
          "e-data too short for a result code" },
        { "006b00010000" "7e633061" ERROR_FIELDS
          "ac0d040b00016261640a6c696e6580", 0, 1, 0, KPWDMSG_REPLY, 1, 60,
          1, "bad?line?", "control and 8-bit bytes of the text made '?'" },
        { "000a00010002" "6f00" "7500", 0, 1, 0, KPWDMSG_REPLY, 0, 0, -1,
          "", "an AP-REP and a KRB-PRIV: a server that took the request" },

        /* Cut short, padded. */
        { MIT_REPLY, 100, 0, KRB5KRB_AP_ERR_MODIFIED, KPWDMSG_NONE, 0, 0,
          -1, "", "truncated: 100 of 132 bytes" },
        { MIT_REPLY, 5, 0, KRB5KRB_AP_ERR_MODIFIED, KPWDMSG_NONE, 0, 0, -1,
          "", "truncated inside the header" },
        { MIT_REPLY, 3, 0, KRB5KRB_AP_ERR_MSG_TYPE, KPWDMSG_NONE, 0, 0, -1,
          "", "three bytes: not even a version to read" },
        { MIT_REPLY "00", 0, 0, KRB5KRB_AP_ERR_MODIFIED, KPWDMSG_NONE, 0, 0,
          -1, "", "one byte beyond its length field" },
        { "000800010005" "7500", 0, 0, KRB5KRB_AP_ERR_MODIFIED, KPWDMSG_NONE,
          0, 0, -1, "", "AP-REP length past the end" },
        { MIT_ERROR, 60, 0, KRB5KRB_AP_ERR_MSG_TYPE, KPWDMSG_NONE, 0, 0, -1,
          "", "a bare KRB-ERROR cut short" },

        /* Another version. */
        { "008400020000" MIT_ERROR, 0, 0, KRB5KDC_ERR_BAD_PVNO,
          KPWDMSG_NONE, 0, 0, -1, "", "version 2" },
        { "008400000000" MIT_ERROR, 0, 0, KRB5KDC_ERR_BAD_PVNO,
          KPWDMSG_NONE, 0, 0, -1, "", "version 0" },

        /* Junk. */
        { "", 0, 0, KRB5KRB_AP_ERR_MSG_TYPE, KPWDMSG_NONE, 0, 0, -1, "",
          "an empty datagram" },
        { "68656c6c6f", 0, 0, KRB5KRB_AP_ERR_MSG_TYPE, KPWDMSG_NONE, 0, 0,
          -1, "", "\"hello\"" },
        { "00000084" MIT_REPLY, 0, 0, KRB5KRB_AP_ERR_MSG_TYPE, KPWDMSG_NONE,
          0, 0, -1, "", "a TCP length prefix left on a UDP reply" },
        { "000600010000", 0, 0, KRB5KRB_AP_ERR_MSG_TYPE, KPWDMSG_NONE, 0, 0,
          -1, "", "a header and nothing in it" },
        { "000800010000" "3000", 0, 0, KRB5KRB_AP_ERR_MSG_TYPE, KPWDMSG_NONE,
          0, 0, -1, "", "a body that is a SEQUENCE" },
        { "000800010000" "7e00", 0, 0, KRB5KRB_AP_ERR_MSG_TYPE, KPWDMSG_NONE,
          0, 0, -1, "", "a body tagged KRB-ERROR that is not one" },
        { "0009000100007500" "00", 0, 0, KRB5KRB_AP_ERR_MSG_TYPE,
          KPWDMSG_NONE, 0, 0, -1, "", "a KRB-PRIV with a byte after it" },
        { "0008000100007500", 0, 0, KRB5KRB_AP_ERR_MSG_TYPE, KPWDMSG_NONE,
          0, 0, -1, "", "a KRB-PRIV without the AP-REP it needs (our own "
          "request, echoed)" },
        { "000a00010002" "3000" "7500", 0, 0, KRB5KRB_AP_ERR_MSG_TYPE,
          KPWDMSG_NONE, 0, 0, -1, "", "an AP-REP that is not one" },
        { "6b03020105", 0, 0, KRB5KRB_AP_ERR_MSG_TYPE, KPWDMSG_NONE, 0, 0,
          -1, "", "something tagged AS-REP" },
    };
    static unsigned char buf[512];
    size_t failures = 0;

    (void)state;
    for (size_t i = 0; i < COUNT(cases); i++) {
        const struct judge_case *c = &cases[i];
        size_t len = unhex(c->hex, buf, sizeof(buf));
        struct kpwdmsg_verdict v;
        int ok;

        if (c->cut != 0) {
            assert_true(c->cut < len);
            len = c->cut;
        }
        v = kpwdmsg_judge(buf, len);
        ok = v.up == c->up && v.form == c->form;
        if (c->up) {
            ok = ok && v.error.code == 0 && v.why == NULL &&
                 v.body_is_error == c->body_is_error &&
                 v.krb_error == c->krb_error &&
                 v.result_code == c->result_code &&
                 strcmp(v.result_string, c->result_string) == 0 &&
                 (!c->body_is_error || strcmp(v.realm, "KPW.TEST") == 0);
        } else {
            ok = ok && v.error.space == ERR_SPACE_KRB5 &&
                 v.error.code == c->code && v.why != NULL && v.why[0] != 0;
        }
        if (!ok) {
            print_message("case %zu (%s): up %d form %d code %ld (%s) "
                          "krb_error %ld result %d \"%s\"\n", i, c->why,
                          v.up, (int)v.form, v.error.code,
                          v.why ? v.why : "-", v.krb_error, v.result_code,
                          v.result_string);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

/*
 * Samba 4.17's AD DC answers the same request with a kpasswd reply whose
 * KRB-ERROR (error-code 2, realm AD.TEST) carries result code 2
 * (KRB5_KPASSWD_HARDERROR) and a text ending in a newline.
 */
static void
test_judge_samba(void **state)
{
    static const char samba[] =
        "0094000100007e818b308188a003020105a10302011ea411180f3230323631323031"
        "3038343232365aa50502030f2c10a603020102a9091b0741442e54455354aa1d301b"
        "a003020101a11430121b066b61646d696e1b086368616e67657077ac330431000267"
        "656e7365635f757064617465206661696c6564202d204e545f5354415455535f4c4f"
        "474f4e5f4641494c5552450a";
    unsigned char buf[256];
    size_t len = unhex(samba, buf, sizeof(buf));
    struct kpwdmsg_verdict v = kpwdmsg_judge(buf, len);

    (void)state;
    assert_true(v.up);
    assert_int_equal(v.form, KPWDMSG_REPLY);
    assert_int_equal(v.version, KPWDMSG_VERSION_CHANGE);
    assert_true(v.body_is_error);
    assert_int_equal(v.krb_error, 2);
    assert_string_equal(v.realm, "AD.TEST");
    assert_int_equal(v.result_code, KRB5_KPASSWD_HARDERROR);
    assert_string_equal(v.result_string,
                        "gensec_update failed - NT_STATUS_LOGON_FAILURE?");
}

/* Every result code krb5.h names has its name, and no other does. */
static void
test_result_names(void **state)
{
#define NAMED(x) { x, #x }
    static const struct { int code; const char *name; } names[] = {
        NAMED(KRB5_KPASSWD_SUCCESS), NAMED(KRB5_KPASSWD_MALFORMED),
        NAMED(KRB5_KPASSWD_HARDERROR), NAMED(KRB5_KPASSWD_AUTHERROR),
        NAMED(KRB5_KPASSWD_SOFTERROR), NAMED(KRB5_KPASSWD_ACCESSDENIED),
        NAMED(KRB5_KPASSWD_BAD_VERSION),
        NAMED(KRB5_KPASSWD_INITIAL_FLAG_NEEDED),
    };
#undef NAMED

    (void)state;
    for (size_t i = 0; i < COUNT(names); i++)
        assert_string_equal(kpwdmsg_result_name(names[i].code),
                            names[i].name);
    assert_string_equal(kpwdmsg_result_name(-1), "unknown");
    assert_string_equal(kpwdmsg_result_name(8), "unknown");
    assert_string_equal(kpwdmsg_result_name(0xffff), "unknown");
}

/* ---- the probe over loopback ---- */

/*
 * A peer on 127.0.0.1: takes one request (over UDP a datagram; over TCP
 * the 4-byte prefix and the message) and sends `reply` as it is, so a
 * TCP reply gives its own prefix, or none.  No reply: it stays silent and
 * holds the connection until the client goes.
 */
struct peer {
    int type;                 /* SOCK_DGRAM or SOCK_STREAM */
    int fd;
    unsigned short port;
    unsigned char reply[512];
    size_t reply_len;
    int silent;
    unsigned char got[64];
    size_t got_len;
    pthread_t thread;
};

static void *
peer_serve(void *arg)
{
    struct peer *p = arg;
    struct pollfd pfd = { p->fd, POLLIN, 0 };

    if (poll(&pfd, 1, 5000) != 1)
        return NULL;
    if (p->type == SOCK_DGRAM) {
        struct sockaddr_storage from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(p->fd, p->got, sizeof(p->got), 0,
                             (struct sockaddr *)&from, &fl);
        if (n > 0)
            p->got_len = (size_t)n;
        if (n > 0 && !p->silent)
            sendto(p->fd, p->reply, p->reply_len, 0,
                   (struct sockaddr *)&from, fl);
        return NULL;
    }
    {
        int c = accept(p->fd, NULL, NULL);
        struct pollfd cp = { c, POLLIN, 0 };
        if (c < 0)
            return NULL;
        /* The prefix and the 8-byte request, however they come. */
        while (p->got_len < 12 && poll(&cp, 1, 5000) == 1) {
            ssize_t n = recv(c, p->got + p->got_len,
                             sizeof(p->got) - p->got_len, 0);
            if (n <= 0)
                break;
            p->got_len += (size_t)n;
        }
        if (!p->silent) {
            send(c, p->reply, p->reply_len, MSG_NOSIGNAL);
        } else {
            char sink[64];
            while (poll(&cp, 1, 5000) == 1 && recv(c, sink, sizeof(sink), 0) > 0)
                ;
        }
        close(c);
    }
    return NULL;
}

/* Bind a peer on a free loopback port; closed: bind, then close, so the
 * port is (almost surely) closed. */
static void
peer_open(struct peer *p, int type)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);

    p->type = type;
    p->fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
    assert_true(p->fd >= 0);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(p->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(getsockname(p->fd, (struct sockaddr *)&sin, &sl), 0);
    p->port = ntohs(sin.sin_port);
    if (type == SOCK_STREAM)
        assert_int_equal(listen(p->fd, 4), 0);
}

/* Run the probe of a realm whose one kpasswd server is 127.0.0.1:port
 * over one transport; fills res. */
static void
probe_once(enum conf_transport transport, unsigned short port, double budget,
           struct realm_result *res)
{
    struct conf_kdc server = { (char *)"127.0.0.1", port };
    struct conf_realm conf;
    struct dns_client *dc = NULL;
    struct kpasswd_run *run = NULL;
    struct probe_error err;
    double deadline = clocks_now() + budget;

    memset(&conf, 0, sizeof(conf));
    conf.realm = (char *)"KPW.TEST";
    conf.kpasswd = &server;
    conf.n_kpasswd = 1;
    conf.transport = transport;
    assert_int_equal(dns_client_open(NULL, deadline, &dc, &err), 0);
    assert_int_equal(kpasswd_probe_start(&conf, dc, deadline, NULL, &run), 0);
    dns_client_free(dc);
    assert_int_equal(kpasswd_probe_finish(run, res), 0);
}

struct wire_case {
    int type;                 /* SOCK_DGRAM or SOCK_STREAM */
    const char *reply;        /* hex, sent as it is; NULL: silent */
    int closed;               /* nothing listens */
    int success;
    enum err_space space;
    long code;
    const char *why;
};

static void
test_wire(void **state)
{
    static const struct wire_case cases[] = {
        { SOCK_DGRAM, MIT_REPLY, 0, 1, ERR_SPACE_KRB5, 0,
          "UDP: kadmind's reply" },
        { SOCK_STREAM, "00000084" MIT_REPLY, 0, 1, ERR_SPACE_KRB5, 0,
          "TCP: kadmind's reply behind its 4-byte length" },
        { SOCK_DGRAM, MIT_ERROR, 0, 1, ERR_SPACE_KRB5, 0,
          "UDP: a bare KRB-ERROR" },
        { SOCK_STREAM, "0000007e" MIT_ERROR, 0, 1, ERR_SPACE_KRB5, 0,
          "TCP: a bare KRB-ERROR" },
        { SOCK_STREAM, MIT_REPLY, 0, 0, ERR_SPACE_ERRNO, EMSGSIZE,
          "TCP: a reply without the prefix reads as a length of 8 MiB" },
        { SOCK_STREAM, "00000084" MIT_HEADER "7e7c", 0, 0, ERR_SPACE_ERRNO,
          ECONNRESET, "TCP: the peer hangs up before the whole reply" },
        { SOCK_STREAM, "00000005" "68656c6c6f", 0, 0, ERR_SPACE_KRB5,
          KRB5KRB_AP_ERR_MSG_TYPE, "TCP: a framed \"hello\"" },
        { SOCK_DGRAM, "00000084" MIT_REPLY, 0, 0, ERR_SPACE_KRB5,
          KRB5KRB_AP_ERR_MSG_TYPE, "UDP: a reply with a TCP prefix" },
        { SOCK_DGRAM, MIT_HEADER "7e7c", 0, 0, ERR_SPACE_KRB5,
          KRB5KRB_AP_ERR_MODIFIED, "UDP: a reply cut short" },
        { SOCK_DGRAM, "008400020000" MIT_ERROR, 0, 0, ERR_SPACE_KRB5,
          KRB5KDC_ERR_BAD_PVNO, "UDP: version 2" },
        { SOCK_DGRAM, NULL, 0, 0, ERR_SPACE_ERRNO, ETIMEDOUT,
          "UDP: silent" },
        { SOCK_STREAM, NULL, 0, 0, ERR_SPACE_ERRNO, ETIMEDOUT,
          "TCP: accepts and says nothing" },
        { SOCK_DGRAM, NULL, 1, 0, ERR_SPACE_ERRNO, ECONNREFUSED,
          "UDP: closed port (ICMP port unreachable)" },
        { SOCK_STREAM, NULL, 1, 0, ERR_SPACE_ERRNO, ECONNREFUSED,
          "TCP: closed port" },
    };
    size_t failures = 0;

    (void)state;
    for (size_t i = 0; i < COUNT(cases); i++) {
        const struct wire_case *c = &cases[i];
        struct peer *p = calloc(1, sizeof(*p));
        struct realm_result res;
        char target[64];
        int ok;

        assert_non_null(p);
        memset(&res, 0, sizeof(res));
        peer_open(p, c->type);
        p->silent = c->reply == NULL;
        if (c->reply != NULL)
            p->reply_len = unhex(c->reply, p->reply, sizeof(p->reply));
        if (c->closed) {
            close(p->fd);
            p->fd = -1;
        } else {
            assert_int_equal(pthread_create(&p->thread, NULL, peer_serve, p),
                             0);
        }
        probe_once(c->type == SOCK_DGRAM ? TRANSPORT_UDP : TRANSPORT_TCP,
                   p->port, 0.5, &res);
        if (!c->closed)
            pthread_join(p->thread, NULL);
        snprintf(target, sizeof(target), "%s/127.0.0.1:%u",
                 c->type == SOCK_DGRAM ? "udp" : "tcp", p->port);
        ok = res.n_probes == 1 && res.probes[0].kind == PROBE_KPASSWD &&
             strcmp(res.probes[0].target, target) == 0 &&
             res.probes[0].success == c->success &&
             res.probes[0].error.space == c->space &&
             res.probes[0].error.code == c->code &&
             (c->success ? res.probes[0].message == NULL
                         : res.probes[0].message != NULL) &&
             res.probes[0].duration_seconds >= 0 &&
             res.probes[0].duration_seconds < 2.0;
        /* What came is the request, framed for its transport. */
        if (!c->closed && c->type == SOCK_DGRAM)
            ok = ok && p->got_len == 8 &&
                 memcmp(p->got, "\x00\x08\x00\x01\x00\x00\x75\x00", 8) == 0;
        if (!c->closed && c->type == SOCK_STREAM)
            ok = ok && p->got_len == 12 &&
                 memcmp(p->got, "\x00\x00\x00\x08\x00\x08\x00\x01\x00\x00"
                                "\x75\x00", 12) == 0;
        if (!ok) {
            print_message("case %zu (%s): %zu probes", i, c->why,
                          res.n_probes);
            if (res.n_probes > 0)
                print_message(", %s success %d space %d code %ld (%s) "
                              "%.3f s", res.probes[0].target,
                              res.probes[0].success,
                              (int)res.probes[0].error.space,
                              res.probes[0].error.code,
                              res.probes[0].message ? res.probes[0].message
                                                    : "-",
                              res.probes[0].duration_seconds);
            print_message("; peer got %zu bytes\n", p->got_len);
            failures++;
        }
        if (p->fd >= 0)
            close(p->fd);
        free(p);
        result_clear(&res);
    }
    assert_int_equal(failures, 0);
}

/* ---- which endpoints a realm has ---- */

struct endpoints_case {
    size_t n_kdcs;            /* static KDCs listed */
    size_t n_kpasswd;         /* kpasswd servers listed (of the three) */
    enum conf_transport transport;
    const char *labels[7];    /* expected, in order; NULL-terminated */
    const char *why;
};

static void
test_endpoints(void **state)
{
    static const struct endpoints_case cases[] = {
        { 1, 0, TRANSPORT_BOTH, { NULL },
          "kdcs and no kpasswd: no kpasswd probe, no DNS" },
        { 1, 1, TRANSPORT_UDP, { "udp/127.0.0.1:464", NULL },
          "kdcs and kpasswd: the kpasswd list" },
        { 0, 3, TRANSPORT_BOTH,
          { "udp/127.0.0.1:464", "udp/kpw.example.test:1464",
            "udp/[::1]:464", "tcp/127.0.0.1:464",
            "tcp/kpw.example.test:1464", "tcp/[::1]:464", NULL },
          "both transports, UDP first; the host lowercased" },
        { 0, 2, TRANSPORT_TCP,
          { "tcp/127.0.0.1:464", "tcp/kpw.example.test:1464", NULL },
          "TCP only" },
    };
    static char *closed_server[] = { (char *)"127.0.0.1:1" };
    const struct conf_dns nowhere = { closed_server, 1, 0.2 };
    struct conf_kdc kdc = { (char *)"kdc.example.test", 88 };
    struct conf_kdc servers[] = { { (char *)"127.0.0.1", 464 },
                                  { (char *)"KPW.Example.TEST", 1464 },
                                  { (char *)"::1", 464 } };

    (void)state;
    for (size_t i = 0; i < COUNT(cases); i++) {
        const struct endpoints_case *c = &cases[i];
        struct conf_realm conf;
        struct dns_client *dc = NULL;
        struct probe_error err;
        struct kdc_set set;
        size_t n = 0;

        memset(&conf, 0, sizeof(conf));
        conf.realm = (char *)"KPW.TEST";
        conf.kdcs = c->n_kdcs ? &kdc : NULL;
        conf.n_kdcs = c->n_kdcs;
        conf.kpasswd = c->n_kpasswd ? servers : NULL;
        conf.n_kpasswd = c->n_kpasswd;
        conf.transport = c->transport;
        /* The name's lookup goes to a closed loopback port and fails at
         * once: the labels are what is under test, not the addresses. */
        assert_int_equal(dns_client_open(&nowhere, clocks_now() + 1, &dc,
                                         &err), 0);
        assert_int_equal(discovery_kpasswd(&conf, dc, NULL, &set), 0);
        while (c->labels[n] != NULL)
            n++;
        if (set.n != n) {
            print_message("case %zu (%s): %zu endpoints, want %zu\n", i,
                          c->why, set.n, n);
            fail();
        }
        for (size_t k = 0; k < n; k++) {
            if (strcmp(set.items[k].label, c->labels[k]) != 0) {
                print_message("case %zu (%s): endpoint %zu is %s, want %s\n",
                              i, c->why, k, set.items[k].label, c->labels[k]);
                fail();
            }
        }
        discovery_free(&set);
        dns_client_free(dc);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request),
        cmocka_unit_test(test_judge),
        cmocka_unit_test(test_judge_samba),
        cmocka_unit_test(test_result_names),
        cmocka_unit_test(test_wire),
        cmocka_unit_test(test_endpoints),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
