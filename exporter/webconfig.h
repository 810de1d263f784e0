/*
 * webconfig: the web configuration file of Prometheus's exporter-toolkit
 * (--web.config.file, YAML), parsed with libyaml into a plain struct:
 * tls_server_config, basic_auth_users and http_server_config.headers.
 *
 * webconfig_parse() does all the work on memory and is pure;
 * webconfig_load_file() reads the file and the PEM files it names.  Every
 * problem is reported as "FILE:LINE: WHERE: reason" and parsing keeps going,
 * so that one run shows every mistake.  Keys are checked as strictly as
 * exporter-toolkit checks them (yaml.UnmarshalStrict): an unknown key is an
 * error, and so is a key exporter-toolkit knows that this exporter cannot
 * honour (cipher_suites, client_allowed_sans, ...), rather than be ignored.
 */
#ifndef KRB5EXP_WEBCONFIG_H
#define KRB5EXP_WEBCONFIG_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

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

/* The files a load read, in the order it read them. */
enum webconfig_file {
    WEBCONFIG_FILE_YAML, WEBCONFIG_FILE_CERT, WEBCONFIG_FILE_KEY,
    WEBCONFIG_FILE_CA, WEBCONFIG_FILE_COUNT
};

/* What stat() said of one file: a change in any field is a change of the
 * file (a rewrite in place, a rename over it, a new mtime, a removal). */
struct webconfig_stamp {
    int present;              /* 0: stat() failed */
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    struct timespec ctime;
};

/* The files one load read (or tried to), each with its stamp from just
 * before it was read: the YAML file, and the PEM files it names. */
struct webconfig_watch {
    char *path[WEBCONFIG_FILE_COUNT];     /* owned or NULL: not read */
    struct webconfig_stamp stamp[WEBCONFIG_FILE_COUNT];
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
    int from_group;           /* 1: made by webconfig_from_group() */
    /* Lines of the keys, for messages about the files they name (0: not
     * from a file with lines). */
    unsigned cert_line, key_line, ca_line;

    struct conf_user *users;  /* owned array of n_users; none: no auth */
    size_t n_users;
    struct webconfig_header *headers;   /* owned array of n_headers */
    size_t n_headers;

    /* The PEM texts, filled by webconfig_load_file() and
     * webconfig_from_group(); NULL from webconfig_parse(). */
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
 * Read the file at path, parse it, and read the PEM files it names (the
 * key file must not be readable by others).  Same contract as
 * webconfig_parse().  An empty file is a problem when refuse_empty is set:
 * a file caught half-written at a reload would otherwise turn TLS and
 * authentication off.  When watch is not NULL it is cleared and then
 * filled, on failure too, with each file the load read or tried to read
 * and its stamp from just before: a change while reading shows as a change
 * the next time.  The caller clears it with webconfig_watch_clear().
 */
int webconfig_load_file(const char *path, int refuse_empty,
                        struct webconfig_watch *watch,
                        struct webconfig **out, struct conf_errors *errs);

/* 1 when a file of watch is not as its stamp says (stat()s each). */
int webconfig_watch_changed(const struct webconfig_watch *watch);

/* Free what watch holds and zero it; a zeroed watch is fine. */
void webconfig_watch_clear(struct webconfig_watch *watch);

/*
 * The libconfig `web` group's TLS and users as a webconfig, its PEM files
 * read, for a server started without --web.config.file.  `name` is the
 * libconfig file's name.  Same contract as webconfig_parse().
 */
int webconfig_from_group(const struct conf_web *web, const char *name,
                         struct webconfig **out, struct conf_errors *errs);

/* Free a config, wiping the key's text; NULL is fine. */
void webconfig_free(struct webconfig *cfg);

/* What stat() says of path now.  1 when a and b describe the same file
 * in the same state (both absent counts as the same). */
void webconfig_stamp(const char *path, struct webconfig_stamp *out);
int webconfig_stamp_same(const struct webconfig_stamp *a,
                         const struct webconfig_stamp *b);

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
