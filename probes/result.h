/*
 * result: the plain structs a realm task returns and the exposition writer
 * reads.  No I/O and no library types here.
 */
#ifndef KRB5EXP_RESULT_H
#define KRB5EXP_RESULT_H

#include <stddef.h>

#include "probes/krb5err.h"

enum probe_kind { PROBE_DISCOVERY, PROBE_KDC, PROBE_TGT, PROBE_SERVICE,
                  PROBE_VERIFY, PROBE_KPASSWD, PROBE_HTTP, PROBE_TRUST,
                  PROBE_KIND_COUNT };

/* Static name of a probe kind as used in the `probe` label. */
const char *probe_kind_name(enum probe_kind kind);

/* One probe's outcome. */
struct probe_result {
    enum probe_kind kind;
    char *target;             /* owned: principal, service principal, ... */
    int success;              /* 1 or 0 */
    double duration_seconds;
    struct probe_error error; /* code 0 when success */
    char *message;            /* owned or NULL: library's text of the error */
    int skipped;              /* not attempted (lockout guard): reported,
                                 but not counted as a new failure */
    unsigned long status;     /* NTSTATUS from AD's extended error; 0: none */
};

/* What a service probe found out about one configured service. */
struct service_info {
    char *service;            /* owned: as configured */
    char *principal;          /* owned: as issued, with realm; NULL if none */
    int kvno;                 /* -1 when unknown */
};

/* The encryption types of one ticket: the TGT or a service ticket. */
struct ticket_info {
    enum probe_kind kind;     /* PROBE_TGT or PROBE_SERVICE */
    char *target;             /* owned: the probe's target */
    char *session_enctype;    /* owned: MIT's name, "aes256-cts-hmac-sha1-96" */
    char *ticket_enctype;     /* owned: the enctype the ticket is sealed in */
    int weak;                 /* 1 when either enctype is deprecated */
};

/* The highest key version a service keytab holds for one principal and
 * enctype. */
struct keytab_kvno {
    char *principal;          /* owned: with its realm */
    char *enctype;            /* owned: MIT's name */
    long kvno;
};

/* The PAC verdict of one service ticket the verify probe decrypted. */
struct ticket_pac {
    char *principal;          /* owned: the service principal as issued */
    int valid;                /* 1: a PAC whose server checksum verifies
                                 with the service key; 0: none */
};

/* What the kdc probe read from one KDC endpoint. */
struct kdc_info {
    char *target;             /* owned: "udp/host:port" */
    int has_skew;
    double skew_seconds;      /* the KDC's clock minus ours */
};

/* How many KDC endpoints one source gave. */
struct discovered_count {
    const char *source;       /* static: "config", "dns_uri" or "dns_srv" */
    size_t count;
};

/* What the tgt probe found out about one monitoring client. */
struct client_info {
    char *principal;          /* owned: the tgt probe's target */
    char *canonical;          /* owned or NULL: the name the KDC returned,
                                 when the logon asked for canonicalization
                                 (an enterprise name, a UPN) */
    int has_password_expiry;
    double password_expiry;   /* unix time, when has_password_expiry */
    int has_account_expiry;
    double account_expiry;    /* unix time, when has_account_expiry */
    int has_tgt_times;        /* the TGT was had: the next two are set */
    double tgt_lifetime;      /* seconds from authtime to endtime */
    int tgt_renewable;        /* 1 or 0 */
};

struct realm_result {
    char *realm;              /* owned */
    struct probe_result *probes;   /* owned array of n_probes */
    size_t n_probes;
    struct service_info *services; /* owned array of n_services */
    size_t n_services;
    struct kdc_info *kdcs;    /* owned array of n_kdcs */
    size_t n_kdcs;
    int has_discovered;
    struct discovered_count discovered;
    struct client_info *clients;   /* owned array of n_clients: what the
                                      tgt probe found per client */
    size_t n_clients;
    struct ticket_info *tickets;   /* owned array of n_tickets */
    size_t n_tickets;
    struct keytab_kvno *keytab_kvnos;  /* owned array of n_keytab_kvnos,
                                          one per principal and enctype */
    size_t n_keytab_kvnos;
    struct ticket_pac *pacs;  /* owned array of n_pacs, one per ticket the
                                 verify probe decrypted */
    size_t n_pacs;
    double backoff_left;      /* seconds of lockout backoff left when the
                                 probe ended; 0: none */
};

/* Append a probe result to r; takes ownership of target and message even on
 * failure.  Returns 0, or ENOMEM. */
int result_add_probe(struct realm_result *r, enum probe_kind kind,
                     char *target, int success, double duration,
                     struct probe_error error, char *message);

/*
 * Append a client_info entry for principal (taken over, even on failure),
 * zeroed otherwise.  Returns it, or NULL when out of memory.
 */
struct client_info *result_add_client(struct realm_result *r,
                                      char *principal);

/* Append a service info entry; takes ownership of the strings. */
int result_add_service(struct realm_result *r, char *service,
                       char *principal, int kvno);

/* Append a ticket_info entry; takes ownership of the strings even on
 * failure.  Returns 0, or ENOMEM. */
int result_add_ticket(struct realm_result *r, enum probe_kind kind,
                      char *target, char *session_enctype,
                      char *ticket_enctype, int weak);

/* Record a keytab's kvno for (principal, enctype), keeping the highest
 * when the pair is already there (two services may share a keytab).  The
 * strings are copied.  Returns 0, or ENOMEM. */
int result_add_keytab_kvno(struct realm_result *r, const char *principal,
                           const char *enctype, long kvno);

/* Record the PAC verdict of a verified ticket for principal (copied).
 * Returns 0, or ENOMEM. */
int result_add_pac(struct realm_result *r, const char *principal, int valid);

/* Append a kdc_info entry; takes ownership of target. */
int result_add_kdc(struct realm_result *r, char *target, int has_skew,
                   double skew_seconds);

/*
 * Move every probe of src into r at position `at` (clamped to the end) and
 * every kdc_info of src to the end of r's; src is left empty but for its
 * other fields.  Returns 0, or ENOMEM with both left as they were.
 */
int result_splice(struct realm_result *r, size_t at, struct realm_result *src);

/* Free everything r owns (not r itself) and zero it. */
void result_clear(struct realm_result *r);

#endif
