/*
 * httptls: the TLS half of http's web settings on GnuTLS.  It turns a
 * webconfig's certificate, key, client CAs, TLS versions and
 * client_auth_type into credentials and a priority, sets a connection's
 * session up from them before its handshake, and verifies the client
 * certificate a session was given.  It knows nothing of libmicrohttpd:
 * http hands it the session.
 */
#ifndef KRB5EXP_HTTPTLS_H
#define KRB5EXP_HTTPTLS_H

#include <stddef.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

struct conf_errors;
struct webconfig;

/* The TLS settings of one version of the web settings. */
struct httptls {
    gnutls_certificate_credentials_t cred;   /* owned; NULL: plain HTTP */
    gnutls_priority_t priority;   /* owned, with cred */
    gnutls_certificate_request_t request;    /* ask for a client's
                                                certificate, or demand it */
    int verify;                   /* a certificate given must verify against
                                     client_ca_file, in the handshake */
};

/*
 * Fill t (zeroed by the caller) from cfg's PEM texts, versions and
 * client_auth_type; cfg is borrowed for the call, its cert_pem and key_pem
 * set.  Returns 0, or -1 with every problem appended to errs as
 * "FILE:LINE: reason" (a certificate that does not parse, a key that does
 * not match it, a CA file without a certificate).  Either way t may hold
 * what was made: the caller frees it with httptls_free().
 */
int httptls_init(struct httptls *t, const struct webconfig *cfg,
                 struct conf_errors *errs);

/* Free what t holds (t itself is not freed); a zeroed t is fine. */
void httptls_free(struct httptls *t);

/*
 * Give session (a server session before its handshake) t's credentials,
 * priority and client-certificate policy, and with t->verify a handshake
 * check that a certificate the client gives verifies against t's CAs.  t
 * must outlive the session.  Logs when the session refuses them.
 */
void httptls_session_setup(const struct httptls *t, gnutls_session_t session);

/*
 * What the client's certificate of session is: -1 none, 0 one the
 * session's CAs do not vouch for (or not for a TLS client), 1 one they
 * do.
 */
int httptls_client_certificate(gnutls_session_t session);

/*
 * A certificate callback for libmicrohttpd's MHD_USE_TLS that is never
 * called: every session gets a version's own credentials before its
 * handshake (httptls_session_setup()).  Should one not, it gets no
 * certificate, and the handshake fails.
 */
int httptls_no_certificate(gnutls_session_t session,
                           const gnutls_datum_t *req_ca_rdn, int nreqs,
                           const gnutls_pk_algorithm_t *pk_algos,
                           int pk_algos_length, gnutls_pcert_st **pcert,
                           unsigned int *pcert_length,
                           gnutls_privkey_t *privkey);

/*
 * The GnuTLS priority string that allows TLS versions from min_version to
 * max_version (0 = 1.0 ... 3 = 1.3; min_version <= max_version) and
 * nothing else, on GnuTLS's NORMAL ciphers, into buf[len].  Pure.
 */
void httptls_priorities(int min_version, int max_version, char *buf,
                        size_t len);

#endif
