/* httptls: the TLS half of the web settings; see httptls.h. */
#include "exporter/httptls.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "exporter/webconfig.h"

void
httptls_priorities(int min_version, int max_version, char *buf, size_t len)
{
    static const char *const names[] = { "TLS1.0", "TLS1.1", "TLS1.2",
                                         "TLS1.3" };
    size_t used;

    used = (size_t)snprintf(buf, len, "NORMAL:-VERS-ALL");
    for (int v = min_version; v <= max_version && v < 4 && used < len; v++)
        if (v >= 0)
            used += (size_t)snprintf(buf + used, len - used, ":+VERS-%s",
                                     names[v]);
}

int
httptls_init(struct httptls *t, const struct webconfig *cfg,
             struct conf_errors *errs)
{
    const char *where = cfg->from_group ? "web" : "tls_server_config";
    gnutls_datum_t cert = { (unsigned char *)cfg->cert_pem,
                            (unsigned)strlen(cfg->cert_pem) };
    gnutls_datum_t key = { (unsigned char *)cfg->key_pem,
                           (unsigned)strlen(cfg->key_pem) };
    char prio[160];
    const char *errpos = NULL;
    int ret, failed = 0;

    ret = gnutls_certificate_allocate_credentials(&t->cred);
    if (ret < 0) {
        webconfig_problem(errs, cfg->name, 0, NULL, "%s",
                          gnutls_strerror(ret));
        return -1;
    }
    ret = gnutls_certificate_set_x509_key_mem2(t->cred, &cert, &key,
                                               GNUTLS_X509_FMT_PEM, NULL, 0);
    if (ret < 0) {
        webconfig_problem(errs, cfg->name, cfg->cert_line, where,
                          "%s \"%s\" with %s \"%s\": %s",
                          cfg->from_group ? "tls_cert_file" : "cert_file",
                          cfg->cert_file,
                          cfg->from_group ? "tls_key_file" : "key_file",
                          cfg->key_file, gnutls_strerror(ret));
        failed = 1;
    }
    if (cfg->ca_pem != NULL) {
        gnutls_datum_t ca = { (unsigned char *)cfg->ca_pem,
                              (unsigned)strlen(cfg->ca_pem) };

        ret = gnutls_certificate_set_x509_trust_mem(t->cred, &ca,
                                                    GNUTLS_X509_FMT_PEM);
        if (ret <= 0) {
            webconfig_problem(errs, cfg->name, cfg->ca_line, where,
                              "client_ca_file \"%s\": %s", cfg->client_ca_file,
                              ret < 0 ? gnutls_strerror(ret)
                                      : "no certificate in it");
            failed = 1;
        }
    }
    httptls_priorities((int)cfg->min_version, (int)cfg->max_version, prio,
                        sizeof(prio));
    ret = gnutls_priority_init(&t->priority, prio, &errpos);
    if (ret < 0) {
        t->priority = NULL;
        webconfig_problem(errs, cfg->name, 0, where, "TLS versions %s: %s",
                          prio, gnutls_strerror(ret));
        failed = 1;
    }
    switch (cfg->client_auth) {
    case WEBCONFIG_REQUEST_CLIENT_CERT:
    case WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN:
        t->request = GNUTLS_CERT_REQUEST;
        break;
    case WEBCONFIG_REQUIRE_ANY_CLIENT_CERT:
    case WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT:
        t->request = GNUTLS_CERT_REQUIRE;
        break;
    default:
        t->request = GNUTLS_CERT_IGNORE;
    }
    t->verify = cfg->client_auth == WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN ||
                cfg->client_auth == WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT;
    return failed ? -1 : 0;
}

void
httptls_free(struct httptls *t)
{
    if (t->cred != NULL)
        gnutls_certificate_free_credentials(t->cred);
    if (t->priority != NULL)
        gnutls_priority_deinit(t->priority);
    memset(t, 0, sizeof(*t));
}

/* Verify the client's certificate chain against the session's CAs, and
 * that it may be used by a TLS client (a certificate without an extended
 * key usage may, as Go has it).  0 with *status, or a GnuTLS error. */
static int
verify_peer(gnutls_session_t session, unsigned int *status)
{
    gnutls_typed_vdata_st purpose = {
        GNUTLS_DT_KEY_PURPOSE_OID,
        (unsigned char *)(uintptr_t)GNUTLS_KP_TLS_WWW_CLIENT, 0
    };

    return gnutls_certificate_verify_peers(session, &purpose, 1, status);
}

/* In the handshake: a certificate the client gives must verify against
 * the version's client CAs.  No certificate passes here; whether one is
 * needed is the request policy's to say. */
static int
verify_client(gnutls_session_t session)
{
    unsigned int n = 0, status = 0;
    gnutls_datum_t text = { NULL, 0 };

    if (gnutls_certificate_get_peers(session, &n) == NULL || n == 0)
        return 0;
    if (verify_peer(session, &status) == 0 && status == 0)
        return 0;
    if (gnutls_certificate_verification_status_print(
            status, GNUTLS_CRT_X509, &text, 0) == 0 && text.data != NULL) {
        log_kv(LOG_LEVEL_WARN, "refused a client certificate", "reason",
               (const char *)text.data, (char *)NULL);
        gnutls_free(text.data);
    } else {
        log_warn("refused a client certificate");
    }
    return GNUTLS_E_CERTIFICATE_ERROR;
}

int
httptls_no_certificate(gnutls_session_t session,
                       const gnutls_datum_t *req_ca_rdn, int nreqs,
                       const gnutls_pk_algorithm_t *pk_algos,
                       int pk_algos_length, gnutls_pcert_st **pcert,
                       unsigned int *pcert_length, gnutls_privkey_t *privkey)
{
    (void)session;
    (void)req_ca_rdn;
    (void)nreqs;
    (void)pk_algos;
    (void)pk_algos_length;
    (void)pcert;
    (void)pcert_length;
    (void)privkey;
    return -1;
}

void
httptls_session_setup(const struct httptls *t, gnutls_session_t session)
{
    if (gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, t->cred) < 0 ||
        gnutls_priority_set(session, t->priority) < 0)
        log_error("cannot set up TLS for a connection");
    gnutls_certificate_server_set_request(session, t->request);
    if (t->verify)
        gnutls_session_set_verify_function(session, verify_client);
}

int
httptls_client_certificate(gnutls_session_t session)
{
    unsigned int status = 0, n = 0;

    /* No certificate at all verifies as "nothing wrong": look first. */
    if (gnutls_certificate_get_peers(session, &n) == NULL || n == 0)
        return -1;
    if (verify_peer(session, &status) != 0)
        return 0;
    return status == 0;
}
