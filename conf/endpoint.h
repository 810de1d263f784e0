/*
 * endpoint: the host-and-port strings of the config (KDC entries and name
 * servers), parsed with base/hostport and checked.  Pure.
 */
#ifndef KRB5EXP_ENDPOINT_H
#define KRB5EXP_ENDPOINT_H

#include <stddef.h>

#include "conf/conf.h"

#define ENDPOINT_DEFAULT_KDC_PORT 88

/*
 * One KDC entry: "host", "host:port", "[v6]" or "[v6]:port".  On success
 * returns 0 and fills *kdc_out (the caller owns kdc_out->host).  On failure
 * returns -1 and writes the reason into reason[size].
 */
int endpoint_parse_kdc(const char *text, struct conf_kdc *kdc_out,
                       char *reason, size_t size);

/* Is v a numeric address with an optional port, as c-ares takes it:
 * "IPV4", "IPV4:PORT", "IPV6" or "[IPV6]:PORT"? */
int endpoint_dns_server_ok(const char *v);

#endif
