/*
 * lockout: the guard that keeps a monitor from locking out the account it
 * monitors.  Active Directory counts every failed pre-authentication, so
 * after a credential failure the realm's client credentials are not
 * presented again for a backoff period that doubles with each repeated
 * failure, up to a cap.  A change to the keytab or password file, or a
 * config reload, ends the backoff early.  The decisions are pure; only
 * lockout_stamp() looks at the file system.
 */
#ifndef KRB5EXP_LOCKOUT_H
#define KRB5EXP_LOCKOUT_H

#include <sys/types.h>
#include <time.h>

#include "probes/krb5err.h"

struct lockout_policy {
    double start;             /* first backoff, seconds */
    double cap;               /* longest backoff, seconds */
};

/* Identity of a credentials file, to notice it was replaced or edited. */
struct cred_stamp {
    int ok;                   /* 0: the file could not be stat()ed */
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
};

struct lockout_state {
    double until;             /* monotonic end of the backoff; 0: none */
    double period;            /* the current period; 0: no failure yet */
    struct probe_error error; /* the credential error that started it */
    unsigned long status;     /* its AD extended status (NTSTATUS); 0: none */
    char message[512];        /* its message */
    struct cred_stamp stamp;  /* the credentials that failed */
};

/* Does this tgt error mean the KDC judged the credentials themselves? */
int lockout_is_credential_error(struct probe_error error);

/* Stat path into *out (out->ok 0 when it cannot be). */
void lockout_stamp(const char *path, struct cred_stamp *out);

int lockout_same_stamp(const struct cred_stamp *a, const struct cred_stamp *b);

/*
 * Is the guard on at `now` for credentials that now look like `current`?
 * Seconds left go to *left_out when it is.
 */
int lockout_active(const struct lockout_state *s,
                   const struct cred_stamp *current, double now,
                   double *left_out);

/*
 * Take a tgt outcome into account: a credential error starts or doubles the
 * backoff (up to the cap) and records the error; a success clears it; any
 * other failure (the KDC unreachable, say) leaves it as it is.  `stamp` is
 * the credentials used for that exchange.
 */
void lockout_after_tgt(struct lockout_state *s,
                       const struct lockout_policy *p, int success,
                       struct probe_error error, const char *message,
                       const struct cred_stamp *stamp, double now);

void lockout_reset(struct lockout_state *s);

#endif
