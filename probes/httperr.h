/*
 * httperr: the http probe's three code spaces (krb5err.h): HTTP statuses,
 * libcurl's CURLcode values and GSS-API major statuses, each named from a
 * closed table generated from the installed headers (gen_httperr.py); and
 * how a failure of libcurl or GSS-API becomes a probe_error.  Pure.
 */
#ifndef KRB5EXP_HTTPERR_H
#define KRB5EXP_HTTPERR_H

#include "probes/errspace.h"

/*
 * The name of code in ERR_SPACE_HTTP ("HTTP_UNAUTHORIZED"), ERR_SPACE_CURL
 * ("CURLE_PEER_FAILED_VERIFICATION") or ERR_SPACE_GSS
 * ("GSS_S_DEFECTIVE_TOKEN", the major status with its supplementary bits
 * ignored); NULL when the table has none, or for another space.  Static
 * storage.  krb5err_name() answers for these spaces through it.
 */
const char *httperr_name(enum err_space space, long code);

/*
 * A libcurl failure as the probe reports it: a connection refused, reset
 * or unreachable as its errno (os_errno, CURLINFO_OS_ERRNO), as the kdc
 * probe does; curl's own timeout as ETIMEDOUT; anything else (TLS above
 * all) as its CURLcode.  curl_code 0 gives code 0.
 */
struct probe_error httperr_from_curl(long curl_code, long os_errno);

/* The routine or calling error of a major status (its supplementary
 * information bits cleared); 0 when it has neither. */
unsigned long httperr_gss_error(unsigned long major);

#endif
