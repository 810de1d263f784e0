/*
 * krb5err: names, causes and fixes for the error codes probes report.
 *
 * A probe error lives in one code space of several, because their numbers
 * overlap (ARES_ENOTFOUND and EINTR are both 4): com_err codes as returned by
 * libkrb5 (large negative numbers such as -1765328366), errno values, and
 * c-ares statuses; and for the http probe, HTTP statuses (401), libcurl's
 * CURLcode values (60) and GSS-API major statuses (GSS_S_DEFECTIVE_TOKEN,
 * 589824), whose names httperr.h holds.
 */
#ifndef KRB5EXP_KRB5ERR_H
#define KRB5EXP_KRB5ERR_H

#include "probes/errspace.h"

/* What an operator should know about a code users meet in the field. */
struct krb5err_advice {
    const char *cause;        /* one line */
    const char *fix;          /* one line */
};

/*
 * Symbolic name of a code as krb5.h, errno.h or ares.h spells it, e.g.
 * "KRB5KDC_ERR_CLIENT_REVOKED", "ETIMEDOUT", "ARES_ENOTFOUND" (and as
 * httperr.h names HTTP, curl and GSS-API codes, "HTTP_UNAUTHORIZED",
 * "CURLE_PEER_FAILED_VERIFICATION", "GSS_S_DEFECTIVE_TOKEN").  Returns
 * "UNKNOWN" when none fits; never NULL.  Static storage.
 *
 * Code 0 means "no error" in every space and is named "NONE" (so
 * ARES_SUCCESS reads "NONE" too, and a label never flips between two names
 * for success).
 *
 * For ERR_SPACE_KRB5 a code that is not in any krb5 error table but is a
 * small positive number (below 4096) is an errno value passed through by
 * libkrb5, and gets its errno name.
 */
const char *krb5err_name(enum err_space space, long code);

/*
 * Advice for a code, or NULL when we have none.  Static storage.  An errno
 * passed through in ERR_SPACE_KRB5 gets the errno's advice.
 */
const struct krb5err_advice *krb5err_advice(enum err_space space, long code);

/*
 * Classify a code returned by a libkrb5 call: com_err codes stay in
 * ERR_SPACE_KRB5, small positive numbers become ERR_SPACE_ERRNO.
 */
struct probe_error krb5err_from_krb5(long code);

/* Number of entries in the generated krb5 table (for tests). */
unsigned long krb5err_table_size(void);

#endif
