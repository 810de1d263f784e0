/*
 * conf: the exporter's configuration, loaded from a libconfig file into plain,
 * validated structs.  conf_load_string() does all the parsing and validation
 * work on memory; conf_load_file() only reads the file (and checks its mode).
 */
#ifndef KRB5EXP_CONF_H
#define KRB5EXP_CONF_H

#include <stddef.h>

enum conf_transport { TRANSPORT_UDP, TRANSPORT_TCP, TRANSPORT_BOTH };
enum conf_canon { CANON_NONE, CANON_FORWARD, CANON_REVERSE };

/* One KDC endpoint as configured: "host", "host:port", "[v6]:port". */
struct conf_kdc {
    char *host;               /* owned; IPv6 literals without brackets */
    unsigned short port;      /* 88 when not given */
};

/* One monitoring client: a principal and the credentials it presents. */
struct conf_client {
    char *principal;          /* owned, as written in the config */
    char *keytab;             /* owned or NULL; exactly one of keytab and */
    char *password_file;      /* password_file is set */
};

/* The URL of a services entry: where the http probe presents the
 * service's ticket with HTTP Negotiate (RFC 4559). */
struct conf_http {
    char *url;                /* owned: as configured; the probe's target */
    char *host;               /* owned: the URL's host in lower case, an
                                 IPv6 address without its brackets */
    unsigned short port;      /* the URL's port; 80 or 443 when it has none */
    int https;                /* 1 for an https URL */
    char *ca_file;            /* owned or NULL: the PEM CAs the server's
                                 certificate must chain to; NULL: the
                                 system's */
    size_t service;           /* index in services of the principal whose
                                 ticket is presented */
};

/* One entry of a realm's `capaths`: how its client reaches the KDCs of
 * another realm, as MIT's [capaths] says it (client realm = the entry's
 * realm). */
struct conf_capath {
    char *realm;              /* owned: the server realm */
    char **via;               /* owned array of n_via owned strings: the
                                 realms between, nearest first; none: the
                                 trust is direct */
    size_t n_via;
    int line;
};

/* The name the kdc probe of a realm without a client asks for. */
#define CONF_KDC_PROBE_PRINCIPAL "krb5_exporter/probe"

struct conf_realm {
    char *realm;              /* owned */
    struct conf_kdc *kdcs;    /* owned array of n_kdcs; none: DNS discovery */
    size_t n_kdcs;
    struct conf_kdc *kpasswd; /* owned array of n_kpasswd: the kpasswd
                                 servers, port 464 when not given; none:
                                 the _kpasswd SRV records when kdcs is
                                 empty too, else no kpasswd probe */
    size_t n_kpasswd;
    enum conf_transport transport;   /* default TRANSPORT_UDP */
    enum conf_canon canonicalize;    /* default CANON_NONE */
    double timeout;           /* seconds, default 5.0, (0, 300] */
    double clockskew;         /* seconds of clock difference tolerated,
                                 default 300 as in MIT krb5 */
    double backoff;           /* lockout guard: first backoff after a
                                 credential failure, seconds, default 300 */
    double backoff_max;       /* lockout guard: longest backoff, default
                                 3600, at least backoff */
    unsigned max_in_flight;   /* the realm's TGS requests out at once
                                 (the services are asked for in
                                 parallel), default 16, 1 to 256 */
    struct conf_client *clients;     /* owned array of n_clients:
                                        `client` or `clients`, in order;
                                        none: the realm is probed for
                                        discovery and its KDCs only, and
                                        its KDCs serve trust walks through
                                        it (no tgt, service or trust
                                        probes) */
    size_t n_clients;
    /* Borrowed from clients[0], the first client: the one whose name the
     * kdc probe's AS-REQ carries and whose TGT asks for the services.  A
     * realm without a client has CONF_KDC_PROBE_PRINCIPAL here (static),
     * so that its kdc probe still asks: the KDC answers for a name it does
     * not know (KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN), which shows it alive,
     * and nothing logs on with it. */
    const char *client_principal;
    const char *keytab;       /* NULL, or the first client's keytab */
    const char *password_file;   /* NULL, or its password file */
    char **services;          /* owned array of n_services owned strings */
    size_t n_services;
    char **service_keytabs;   /* owned array of n_services entries (NULL
                                 when there are no services), each an owned
                                 path or NULL: the service's own keytab, from
                                 a { principal; keytab; } entry */
    char *service_keytab;     /* owned or NULL: the keytab of the services
                                 that name none of their own */
    struct conf_http *http;   /* owned array of n_http: the services
                                 entries' URLs, in config order; an entry
                                 with a url and no principal adds
                                 "HTTP/<host>" to services, and a principal
                                 with several URLs is in services once */
    size_t n_http;
    struct conf_capath *capaths;  /* owned array of n_capaths: the explicit
                                     trust paths to other realms; a realm
                                     not listed is reached by the realm
                                     hierarchy, as MIT does */
    size_t n_capaths;
    int line;                 /* line of the realm's group in the file */
};

/* How DNS is asked: the top-level `dns` group. */
struct conf_dns {
    char **servers;           /* owned array of n_servers owned strings,
                                 "IP", "IP:PORT" or "[IPV6]:PORT"; none:
                                 the system's resolver configuration */
    size_t n_servers;
    double timeout;           /* seconds per try; 0: the default */
};

enum conf_tls_version { TLS_V10, TLS_V11, TLS_V12, TLS_V13 };

/* One basic-auth user of the `web` group. */
struct conf_user {
    char *name;               /* owned */
    char *hash;               /* owned: a bcrypt hash, "$2y$10$..." */
};

/* How the HTTP endpoint is served: the top-level `web` group, after
 * Prometheus's exporter-toolkit web config.  Read at start only.  Its TLS
 * and basic-auth keys and --web.config.file exclude each other; its limits
 * (max_connections, idle_timeout, max_request_size) hold either way. */
struct conf_web {
    char *tls_cert_file;      /* owned or NULL: TLS is on when set */
    char *tls_key_file;       /* owned or NULL: set with tls_cert_file */
    char *client_ca_file;     /* owned or NULL: require client certificates
                                 signed by these CAs (mutual TLS) */
    enum conf_tls_version tls_min_version;   /* default TLS 1.2 */
    struct conf_user *users;  /* owned array of n_users; none: no auth */
    size_t n_users;
    unsigned max_connections; /* default 64 */
    unsigned idle_timeout;    /* seconds a connection may sit idle, 30 */
    unsigned max_request_size;  /* bytes of request line and headers, 16384 */
    unsigned tls_auth_line;   /* line of the group's first TLS or basic-auth
                                 key; 0: it has none */
    const char *tls_auth_key; /* static: that key's name, or NULL */
};

struct conf {
    char *path;               /* owned; the name used in messages */
    struct conf_dns dns;
    struct conf_web web;
    unsigned workers;         /* realm probes run at once, default 16 */
    struct conf_realm *realms;  /* owned array of n_realms */
    size_t n_realms;
};

/*
 * A list of human-readable problems, each "FILE:LINE: reason" (or
 * "FILE: reason" where no line applies).  Loading keeps going after the first
 * problem so that every problem is reported at once.
 */
struct conf_errors {
    char **messages;          /* owned array of owned strings */
    size_t count;
};

/*
 * Parse and validate config text.  `name` is used as FILE in messages.
 * On success returns 0 and sets *conf_out (caller frees with conf_free()).
 * On failure returns -1, leaves *conf_out untouched and appends every problem
 * to errs.  Checks that touch the file system (keytab and password file
 * existence and modes) are done here too, relative paths taken as given.
 */
int conf_load_string(const char *text, const char *name,
                     struct conf **conf_out, struct conf_errors *errs);

/*
 * Read `path`, refuse it when it is readable or writable by group or others,
 * then conf_load_string() on its contents.  Same contract as above.
 */
int conf_load_file(const char *path, struct conf **conf_out,
                   struct conf_errors *errs);

/* Free a config; NULL is fine. */
void conf_free(struct conf *conf);

/* Free the messages held by errs (not errs itself) and reset it to empty. */
void conf_errors_clear(struct conf_errors *errs);

/* Names for enums, for logs and pages. */
const char *conf_transport_name(enum conf_transport t);
const char *conf_canon_name(enum conf_canon c);
const char *conf_tls_version_name(enum conf_tls_version v);

#endif
