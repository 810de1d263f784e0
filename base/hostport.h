/*
 * hostport: the one parser of "host", "host:port", "[v6]" and "[v6]:port"
 * strings (KDC entries and name servers of the config, the listen address,
 * the host of a Kerberos URI record).  Pure: it works on memory, allocates
 * nothing and depends on nothing else in the tree.
 *
 * What it accepts:
 *   - an unbracketed host made of ASCII letters, digits, '.', '-' and '_'
 *     (a DNS name or an IPv4 address; no further DNS rules are applied);
 *   - an IPv6 address in brackets, checked with inet_pton() (so no zone
 *     index such as "%eth0");
 *   - an optional ":port" of one to five decimal digits, 1 to 65535, with
 *     no sign, space or other junk.
 * An IPv6 address without brackets is refused with its own reason, because
 * "2001:db8::1:88" cannot be split into host and port.
 */
#ifndef KRB5EXP_HOSTPORT_H
#define KRB5EXP_HOSTPORT_H

#include <stddef.h>

/* Bytes of struct hostport.host, NUL included: a DNS name is at most 253
 * characters, 254 with a trailing dot. */
#define HOSTPORT_HOST_MAX 256

/* hostport_parse() flags. */
#define HOSTPORT_ANY_HOST 0x1u  /* an empty host is fine (":PORT", meaning
                                   every address); "[]" is still refused */

struct hostport {
    char host[HOSTPORT_HOST_MAX];   /* without brackets, as written (case
                                       and any trailing dot kept) */
    unsigned short port;            /* the default when none was given */
};

/*
 * Parse text.  default_port is the port of a string that names none; 0
 * means a port is required.  On success returns 0 and fills *out.  On
 * failure returns -1, leaves *out untouched and writes a one-line reason
 * into why[why_len] (why may be NULL when why_len is 0), such as
 * "port \"0\" is not a number from 1 to 65535".  Its examples use
 * default_port, so that a KDC's messages show ":88".
 */
int hostport_parse(const char *text, unsigned short default_port,
                   unsigned flags, struct hostport *out, char *why,
                   size_t why_len);

/* A port of 1 to 65535 in one to five decimal digits only: returns 0 and
 * sets *port_out, or -1 and leaves it untouched. */
int hostport_parse_port(const char *text, unsigned short *port_out);

#endif
