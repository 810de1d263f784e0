/*
 * flags: the command line, in Prometheus conventions.  Pure: parses argv
 * into a struct and never exits or prints.
 */
#ifndef KRB5EXP_FLAGS_H
#define KRB5EXP_FLAGS_H

#include <stddef.h>

#include "base/log.h"

/* Default listen port: 9100-9999 of the Prometheus default-port list is
 * taken; 10088 lies outside it and ends in the Kerberos port. */
#define FLAGS_DEFAULT_LISTEN ":10088"
#define FLAGS_DEFAULT_CONFIG "/etc/krb5_exporter/krb5_exporter.conf"

struct flags {
    const char *config_file;      /* borrowed from argv or a default */
    const char *listen_address;   /* borrowed from argv or a default */
    const char *web_config_file;  /* borrowed from argv, or NULL: the
                                     exporter-toolkit web config file */
    enum log_level log_level;
    enum log_format log_format;   /* --log.format: logfmt (default), json */
    int once;
    int check_config;
    int version;
    int help;
};

/*
 * Parse argv.  Returns 0 and fills *out, or -1 with a one-line reason in
 * err[err_len].  Accepts --name=value and --name value.
 */
int flags_parse(int argc, char *const *argv, struct flags *out, char *err,
                size_t err_len);

/*
 * Split a listen address "HOST:PORT", ":PORT" or "[V6]:PORT" (base/hostport
 * rules; the port is required).  On success returns 0, writes the host into
 * host[host_len] ("" for every address) and sets *port.  Returns -1 when it
 * is malformed or the host does not fit, and leaves both untouched.  Pure.
 */
int flags_split_listen(const char *addr, char *host, size_t host_len,
                       unsigned short *port);

/* The usage text. */
const char *flags_usage(void);

#endif
