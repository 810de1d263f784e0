/*
 * Unit tests for pac: tickets made in memory with PACs signed by
 * krb5_pac_sign() or krb5_kdc_sign_ticket(), as a KDC signs them, and
 * checked with the service key, as the verify probe checks a ticket
 * krb5_rd_req() has decrypted.  No KDC and no keytab.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <krb5/krb5.h>

#include "probes/pac.h"

#define AUTHTIME 1700000000
#define LOGON "logon info: groups and SIDs, as AD writes them"

/* What the ticket's authorization data holds. */
enum holds {
    AD_NOTHING,           /* no authorization data at all */
    AD_OTHERS_ONLY,       /* AD-IF-RELEVANT with other elements, no PAC */
    AD_IF_RELEVANT,       /* AD-IF-RELEVANT { AD-WIN2K-PAC }, as AD sends */
    AD_AFTER_OTHERS,      /* another AD-IF-RELEVANT first, then the PAC's */
    AD_BARE,              /* AD-WIN2K-PAC not in a container */
    AD_KDC_SIGNED         /* krb5_kdc_sign_ticket(), as an MIT 1.20 KDC */
};

enum signer { BY_SERVICE, BY_OTHER, BY_KRBTGT };

/* What is done to the signed PAC's bytes. */
enum mangle {
    KEEP,
    FLIP_LOGON,           /* one byte of the logon info changed */
    NO_SERVER_CKSUM,      /* the server checksum buffer renamed away */
    NO_KDC_CKSUM,         /* the KDC checksum buffer renamed away */
    GARBAGE               /* not a PAC at all */
};

struct keys {
    krb5_keyblock *service, *other, *krbtgt;
};

struct pac_case {
    const char *why;
    enum holds holds;
    enum signer server_by;    /* key of the server checksum */
    enum signer kdc_by;       /* key of the KDC checksum */
    int other_client;         /* the PAC names another client */
    long authtime_shift;      /* the PAC's authtime minus the ticket's */
    enum mangle mangle;
    krb5_error_code ret;
    enum pac_status status;   /* when ret is 0 */
    const char *says;         /* in the message, when ret is not 0 */
};

static const struct pac_case cases[] = {
    { "no authorization data: no PAC (an MIT KDC set to issue none)",
      AD_NOTHING, BY_SERVICE, BY_KRBTGT, 0, 0, KEEP, 0, PAC_ABSENT, NULL },
    { "other authorization data, but no PAC",
      AD_OTHERS_ONLY, BY_SERVICE, BY_KRBTGT, 0, 0, KEEP, 0, PAC_ABSENT,
      NULL },
    { "a PAC in AD-IF-RELEVANT, signed with the service key",
      AD_IF_RELEVANT, BY_SERVICE, BY_KRBTGT, 0, 0, KEEP, 0, PAC_VALID, NULL },
    { "the PAC's container after another one, as AD may send them",
      AD_AFTER_OTHERS, BY_SERVICE, BY_KRBTGT, 0, 0, KEEP, 0, PAC_VALID,
      NULL },
    { "a PAC not in a container is taken too",
      AD_BARE, BY_SERVICE, BY_KRBTGT, 0, 0, KEEP, 0, PAC_VALID, NULL },
    { "a PAC as MIT 1.20's KDC signs it, with a ticket checksum",
      AD_KDC_SIGNED, BY_SERVICE, BY_KRBTGT, 0, 0, KEEP, 0, PAC_VALID, NULL },
    { "the KDC checksum is not checked (it needs the krbtgt key)",
      AD_IF_RELEVANT, BY_SERVICE, BY_OTHER, 0, 0, KEEP, 0, PAC_VALID, NULL },
    { "signed with another key than the service's",
      AD_IF_RELEVANT, BY_OTHER, BY_KRBTGT, 0, 0, KEEP,
      KRB5KRB_AP_ERR_MODIFIED, 0, "server checksum" },
    { "signed with the krbtgt key in the server's place",
      AD_IF_RELEVANT, BY_KRBTGT, BY_KRBTGT, 0, 0, KEEP,
      KRB5KRB_AP_ERR_MODIFIED, 0, "server checksum" },
    { "as MIT's KDC signs it, but with another server key",
      AD_KDC_SIGNED, BY_OTHER, BY_KRBTGT, 0, 0, KEEP,
      KRB5KRB_AP_ERR_MODIFIED, 0, "server checksum" },
    { "one byte of the logon info flipped after signing",
      AD_IF_RELEVANT, BY_SERVICE, BY_KRBTGT, 0, 0, FLIP_LOGON,
      KRB5KRB_AP_ERR_MODIFIED, 0, "altered" },
    { "a flipped byte in a bare PAC",
      AD_BARE, BY_SERVICE, BY_KRBTGT, 0, 0, FLIP_LOGON,
      KRB5KRB_AP_ERR_MODIFIED, 0, "server checksum" },
    { "no server checksum",
      AD_IF_RELEVANT, BY_SERVICE, BY_KRBTGT, 0, 0, NO_SERVER_CKSUM,
      KRB5KRB_AP_ERR_MODIFIED, 0, "no server checksum" },
    { "no KDC checksum",
      AD_IF_RELEVANT, BY_SERVICE, BY_KRBTGT, 0, 0, NO_KDC_CKSUM,
      KRB5KRB_AP_ERR_MODIFIED, 0, "no KDC checksum" },
    { "bytes that are no PAC",
      AD_IF_RELEVANT, BY_SERVICE, BY_KRBTGT, 0, 0, GARBAGE,
      KRB5KRB_AP_ERR_MODIFIED, 0, "does not parse" },
    { "a well-signed PAC of another client",
      AD_IF_RELEVANT, BY_SERVICE, BY_KRBTGT, 1, 0, KEEP,
      KRB5KRB_AP_WRONG_PRINC, 0, "\"someone\" at authtime" },
    { "a well-signed PAC of another logon (authtime)",
      AD_IF_RELEVANT, BY_SERVICE, BY_KRBTGT, 0, 60, KEEP,
      KRB5KRB_AP_WRONG_PRINC, 0, "not this ticket's" },
};

/* A ticket made for one case, as krb5_rd_req() leaves it decrypted. */
struct made {
    krb5_ticket ticket;
    krb5_enc_tkt_part enc;
    krb5_authdata **authdata;     /* owned: enc.authorization_data */
};

static const krb5_keyblock *
key_of(const struct keys *k, enum signer s)
{
    return s == BY_SERVICE ? k->service : s == BY_OTHER ? k->other
                                                        : k->krbtgt;
}

/* Append the elements of add (taken over, its array freed) to *list. */
static void
take_all(krb5_authdata ***list, krb5_authdata **add)
{
    size_t n = 0, m = 0;
    krb5_authdata **grown;

    while (*list != NULL && (*list)[n] != NULL)
        n++;
    while (add[m] != NULL)
        m++;
    grown = realloc(*list, (n + m + 1) * sizeof(*grown));
    assert_non_null(grown);
    memcpy(grown + n, add, m * sizeof(*add));
    grown[n + m] = NULL;
    *list = grown;
    free(add);
}

/* Wrap one element in an AD-IF-RELEVANT container and append that. */
static void
add_if_relevant(krb5_context ctx, krb5_authdata ***list,
                krb5_authdata *const *inner)
{
    krb5_authdata **container = NULL;

    assert_int_equal(krb5_encode_authdata_container(
                         ctx, KRB5_AUTHDATA_IF_RELEVANT, inner, &container),
                     0);
    take_all(list, container);
}

/* The offset of the type field of the PAC buffer of this type. */
static size_t
buffer_type_at(const krb5_data *pac, uint32_t type)
{
    const unsigned char *p = (const unsigned char *)pac->data;
    uint32_t n = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
                 (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;

    for (uint32_t i = 0; i < n; i++) {
        size_t at = 8 + 16 * (size_t)i;
        if (p[at] == type && p[at + 1] == 0 && p[at + 2] == 0 &&
            p[at + 3] == 0)
            return at;
    }
    fail_msg("no PAC buffer of type %u", (unsigned)type);
    return 0;
}

static void
mangle(krb5_data *pac, enum mangle how)
{
    static char garbage[] = "not a PAC, though typed as one";
    char *logon;

    switch (how) {
    case KEEP:
        break;
    case FLIP_LOGON:
        logon = memmem(pac->data, pac->length, LOGON, strlen(LOGON));
        assert_non_null(logon);
        logon[5] ^= 0x01;
        break;
    case NO_SERVER_CKSUM:
        pac->data[buffer_type_at(pac, KRB5_PAC_SERVER_CHECKSUM)] = 99;
        break;
    case NO_KDC_CKSUM:
        pac->data[buffer_type_at(pac, KRB5_PAC_PRIVSVR_CHECKSUM)] = 99;
        break;
    case GARBAGE:
        free(pac->data);
        pac->data = strdup(garbage);
        assert_non_null(pac->data);
        pac->length = sizeof(garbage) - 1;
        break;
    }
}

static void
make_ticket(krb5_context ctx, const struct pac_case *c, const struct keys *k,
            krb5_principal client, krb5_principal someone,
            krb5_principal server, struct made *m)
{
    krb5_data logon = { KV5M_DATA, sizeof(LOGON) - 1, (char *)LOGON };
    krb5_data signed_pac = { KV5M_DATA, 0, NULL };
    krb5_octet token[] = { 0, 0, 0, 0 };
    krb5_authdata other = { KV5M_AUTHDATA, 141, sizeof(token), token };
    krb5_authdata pac_ad, *others[] = { &other, NULL }, *pacs[2];
    krb5_pac pac = NULL;
    krb5_timestamp authtime;

    memset(m, 0, sizeof(*m));
    m->enc.client = client;
    m->enc.session = k->other;            /* any key: never used here */
    m->enc.times.authtime = AUTHTIME;
    m->enc.times.starttime = AUTHTIME;
    m->enc.times.endtime = AUTHTIME + 36000;
    m->ticket.server = server;
    m->ticket.enc_part2 = &m->enc;
    if (c->holds == AD_NOTHING)
        return;
    if (c->holds == AD_OTHERS_ONLY || c->holds == AD_AFTER_OTHERS)
        add_if_relevant(ctx, &m->authdata, others);
    if (c->holds == AD_OTHERS_ONLY) {
        m->enc.authorization_data = m->authdata;
        return;
    }
    assert_int_equal(krb5_pac_init(ctx, &pac), 0);
    assert_int_equal(krb5_pac_add_buffer(ctx, pac, KRB5_PAC_LOGON_INFO,
                                         &logon), 0);
    if (c->holds == AD_KDC_SIGNED) {
        /* It puts the PAC first in the ticket's authorization data. */
        assert_int_equal(krb5_kdc_sign_ticket(ctx, &m->enc, pac, server,
                                              client, key_of(k, c->server_by),
                                              key_of(k, c->kdc_by), FALSE), 0);
        m->authdata = m->enc.authorization_data;
        krb5_pac_free(ctx, pac);
        return;
    }
    authtime = AUTHTIME + (krb5_timestamp)c->authtime_shift;
    assert_int_equal(krb5_pac_sign(ctx, pac, authtime,
                                   c->other_client ? someone : client,
                                   key_of(k, c->server_by),
                                   key_of(k, c->kdc_by), &signed_pac), 0);
    krb5_pac_free(ctx, pac);
    mangle(&signed_pac, c->mangle);
    pac_ad.magic = KV5M_AUTHDATA;
    pac_ad.ad_type = KRB5_AUTHDATA_WIN2K_PAC;
    pac_ad.length = signed_pac.length;
    pac_ad.contents = (krb5_octet *)signed_pac.data;
    pacs[0] = &pac_ad;
    pacs[1] = NULL;
    if (c->holds == AD_BARE) {
        krb5_authdata **copy = NULL;
        assert_int_equal(krb5_copy_authdata(ctx, pacs, &copy), 0);
        take_all(&m->authdata, copy);
    } else {
        add_if_relevant(ctx, &m->authdata, pacs);
    }
    m->enc.authorization_data = m->authdata;
    krb5_free_data_contents(ctx, &signed_pac);
}

static void
check_cases(void **state)
{
    krb5_context ctx = NULL;
    krb5_principal client = NULL, someone = NULL, server = NULL;
    struct keys k = { NULL, NULL, NULL };
    const krb5_enctype aes = ENCTYPE_AES256_CTS_HMAC_SHA1_96;

    (void)state;
    assert_int_equal(krb5_init_context(&ctx), 0);
    assert_int_equal(krb5_parse_name(ctx, "krbmon@EXAMPLE.COM", &client), 0);
    assert_int_equal(krb5_parse_name(ctx, "someone@EXAMPLE.COM", &someone),
                     0);
    assert_int_equal(krb5_parse_name(ctx, "HTTP/www.example.com@EXAMPLE.COM",
                                     &server), 0);
    k.service = calloc(1, sizeof(*k.service));
    k.other = calloc(1, sizeof(*k.other));
    k.krbtgt = calloc(1, sizeof(*k.krbtgt));
    assert_int_equal(krb5_c_make_random_key(ctx, aes, k.service), 0);
    assert_int_equal(krb5_c_make_random_key(ctx, aes, k.other), 0);
    assert_int_equal(krb5_c_make_random_key(ctx, aes, k.krbtgt), 0);

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct pac_case *c = &cases[i];
        enum pac_status status = (enum pac_status)-1;
        struct made m;
        krb5_error_code ret;

        make_ticket(ctx, c, &k, client, someone, server, &m);
        ret = pac_check(ctx, &m.ticket, k.service, &status);
        if (ret != c->ret)
            fail_msg("%s: pac_check returned %ld, not %ld", c->why,
                     (long)ret, (long)c->ret);
        if (ret == 0 && status != c->status)
            fail_msg("%s: status %d, not %d", c->why, (int)status,
                     (int)c->status);
        if (ret != 0) {
            const char *msg = krb5_get_error_message(ctx, ret);
            /* Left as it was on failure. */
            if (status != (enum pac_status)-1)
                fail_msg("%s: status set on failure", c->why);
            if (strstr(msg, "PAC") == NULL || strstr(msg, c->says) == NULL)
                fail_msg("%s: message \"%s\" does not say \"%s\"", c->why,
                         msg, c->says);
            /* The case's own message, not one left by the case before
             * (which failed with the same code) with this one in front. */
            char head[17];
            snprintf(head, sizeof(head), "%s", msg);
            if (strstr(msg + 1, head) != NULL)
                fail_msg("%s: message \"%s\" says two things", c->why, msg);
            krb5_free_error_message(ctx, msg);
        }
        krb5_free_authdata(ctx, m.authdata);
    }

    krb5_free_keyblock(ctx, k.service);
    krb5_free_keyblock(ctx, k.other);
    krb5_free_keyblock(ctx, k.krbtgt);
    krb5_free_principal(ctx, client);
    krb5_free_principal(ctx, someone);
    krb5_free_principal(ctx, server);
    krb5_free_context(ctx);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
