/*
 * webconfig: the web configuration file of Prometheus's exporter-toolkit
 * (--web.config.file, YAML), parsed with libyaml into a plain struct:
 * tls_server_config, basic_auth_users and http_server_config.headers.
 *
 * This module does all the work on memory and is pure; webwatch reads
 * the file and the PEM files it names, and watches them.  Every
 * problem is reported as "FILE:LINE: WHERE: reason" and parsing keeps going,
 * so that one run shows every mistake.  Keys are checked as strictly as
 * exporter-toolkit checks them (yaml.UnmarshalStrict): an unknown key is an
 * error, and so is a key exporter-toolkit knows that this exporter cannot
 * honour (cipher_suites, client_allowed_sans, ...), rather than be ignored.
 */
#ifndef KRB5EXP_WEBCONFIG_H
#define KRB5EXP_WEBCONFIG_H

#include <stddef.h>

#include "conf/conf.h"

/* tls_server_config.client_auth_type, as Go's crypto/tls names them. */
enum webconfig_client_auth {
    WEBCONFIG_NO_CLIENT_CERT,
    WEBCONFIG_REQUEST_CLIENT_CERT,
    WEBCONFIG_REQUIRE_ANY_CLIENT_CERT,
    WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN,
    WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT,
    WEBCONFIG_CLIENT_AUTH_COUNT
};

/* One extra response header of http_server_config.headers. */
struct webconfig_header {
    char *name;               /* owned, as exporter-toolkit spells it */
    char *value;              /* owned */
};

struct webconfig {
    /* tls_server_config.  TLS is on when cert_file is set; paths are as
     * written, a relative one joined to the YAML file's directory, as
     * exporter-toolkit does. */
    char *cert_file;          /* owned or NULL */
    char *key_file;           /* owned or NULL: set when cert_file is */
    char *client_ca_file;     /* owned or NULL */
    enum webconfig_client_auth client_auth;   /* default NoClientCert */
    enum conf_tls_version min_version;        /* default TLS12 */
    enum conf_tls_version max_version;        /* default TLS13 */
    /* Not from YAML: the libconfig `web` group's client_ca_file, which
     * answers 403 after the handshake to a client without a verified
     * certificate (client_auth is VerifyClientCertIfGiven then). */
    int refuse_unverified;
    int from_group;           /* 1: made by webwatch_from_group() */
    /* Lines of the keys, for messages about the files they name (0: not
     * from a file with lines). */
    unsigned cert_line, key_line, ca_line;

    struct conf_user *users;  /* owned array of n_users; none: no auth */
    size_t n_users;
    struct webconfig_header *headers;   /* owned array of n_headers */
    size_t n_headers;

    /* The PEM texts, filled by webwatch_load_file() and
     * webwatch_from_group(); NULL from webconfig_parse(). */
    char *cert_pem;           /* owned: cert_file's text */
    char *key_pem;            /* owned: key_file's text, wiped when freed */
    char *ca_pem;             /* owned: client_ca_file's text */
    char *name;               /* owned: FILE in messages */
};

/*
 * Parse YAML text[len].  `name` is FILE in messages, and the directory
 * that relative paths are joined to.  On success returns 0 and sets *out
 * (the caller frees it with webconfig_free()); on failure returns -1,
 * leaves *out untouched and appends every problem to errs.  Touches no
 * file.
 */
int webconfig_parse(const char *text, size_t len, const char *name,
                    struct webconfig **out, struct conf_errors *errs);

/*
 * webconfig_parse(), and when refuse_empty is set an empty text (no
 * document, or a null one) is a problem too: webwatch_load_file()'s
 * parse, for a file caught half-written.  Same contract otherwise.
 */
int webconfig_parse_text(const char *text, size_t len, const char *name,
                         int refuse_empty, struct webconfig **out,
                         struct conf_errors *errs);

/* Free a config, wiping the key's text; NULL is fine. */
void webconfig_free(struct webconfig *cfg);

/* Append "NAME:LINE: WHERE: reason" to errs (no LINE when line is 0, no
 * WHERE when where is NULL): the form of every problem, for those found
 * in a webconfig's material later (http_web_new()). */
void webconfig_problem(struct conf_errors *errs, const char *name,
                       unsigned line, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* "RequireAndVerifyClientCert" and so on.  Static string. */
const char *webconfig_client_auth_name(enum webconfig_client_auth a);

/* Is h a bcrypt hash ("$2a$", "$2b$" or "$2y$", a cost from 04 to 31,
 * "$", then 53 characters of bcrypt's base64)?  Pure. */
int webconfig_bcrypt_ok(const char *h);

#endif
