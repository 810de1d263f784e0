/*
 * dns: the c-ares half of discovery and canonicalisation.  A dns_client is
 * one c-ares channel driven by a poll loop that never passes the deadline it
 * was made with; no getaddrinfo() and no blocking call on the probe path.
 * A client belongs to one thread at a time.
 */
#ifndef KRB5EXP_DNS_H
#define KRB5EXP_DNS_H

#include <stddef.h>

#include "conf/conf.h"
#include "probes/dnsparse.h"
#include "probes/krb5err.h"
#include "probes/resolve.h"

struct dns_client {
    void *channel;            /* owned ares_channel, made at the first
                                 lookup that needs one */
    const struct conf_dns *conf;  /* borrowed; NULL: system resolver */
    double deadline;          /* monotonic */
};

/*
 * Make a client from the config's dns group (NULL or no servers: the
 * system's resolver configuration; dns is borrowed for the client's life).
 * The c-ares channel itself is made at the first lookup that needs DNS, and
 * its failure is that lookup's.  Returns 0 and sets *out (free with
 * dns_client_free()), or -1 with *err_out set to a c-ares status.
 */
int dns_client_open(const struct conf_dns *dns, double deadline,
                    struct dns_client **out, struct probe_error *err_out);
void dns_client_free(struct dns_client *dc);

/* Make dc's c-ares channel now if it has none yet (every lookup does this
 * itself; tests use it to reach the channel).  Returns 0, or -1 with
 * *err_out set. */
int dns_client_channel(struct dns_client *dc, struct probe_error *err_out);

/*
 * Addresses of host (IPv4 and IPv6) with port set, and its canonical name
 * after CNAMEs (lowercased, no trailing dot) into canon[canon_len] when canon
 * is not NULL.  Numeric hosts are returned as they are, without DNS.
 * Returns 0 with *addrs_out (caller frees with free()) and *n_out > 0, or -1
 * with *err_out set (ARES_ENOTFOUND, ARES_ETIMEOUT when the deadline passed,
 * ...).
 */
int dns_addrs(struct dns_client *dc, const char *host, unsigned short port,
              struct resolved_addr **addrs_out, size_t *n_out, char *canon,
              size_t canon_len, struct probe_error *err_out);

/* The PTR name of an address, normalised, into name[name_len]. */
int dns_ptr(struct dns_client *dc, const struct resolved_addr *addr,
            char *name, size_t name_len, struct probe_error *err_out);

/* SRV records of name, unsorted.  *out is freed by the caller with free(). */
int dns_srv(struct dns_client *dc, const char *name, struct srv_record **out,
            size_t *n_out, struct probe_error *err_out);

/* URI record values of name.  The caller frees each string and the array. */
int dns_uri(struct dns_client *dc, const char *name, char ***out,
            size_t *n_out, struct probe_error *err_out);

#endif
