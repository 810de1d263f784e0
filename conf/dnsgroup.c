/* dnsgroup: the `dns` group of the config; see dnsgroup.h. */
#include "conf/dnsgroup.h"

#include <stdlib.h>

#include "conf/endpoint.h"

/* ---- the dns group: each apply() gets the struct conf_dns. ---- */

static void apply_dns_servers(struct walk_ctx *c, const config_setting_t *s,
                              const char *where, void *obj)
{
    struct conf_dns *d = obj;
    unsigned n = (unsigned)config_setting_length(s);

    if (n == 0) {
        walk_report(c, s, where, "\"servers\" is empty: list name servers such "
               "as ( \"127.0.0.1:53\" ), or leave \"servers\" out to use "
               "the system's resolver configuration");
        return;
    }
    d->servers = calloc(n, sizeof(*d->servers));
    if (d->servers == NULL) {
        walk_report(c, s, where, "out of memory");
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, i);
        const char *v;

        if (config_setting_type(e) != CONFIG_TYPE_STRING) {
            walk_report(c, e, where, "\"servers\" entries must be strings such as "
                   "\"127.0.0.1:53\", not %s",
                   walk_type_name(config_setting_type(e)));
            continue;
        }
        v = config_setting_get_string(e);
        if (!endpoint_dns_server_ok(v)) {
            walk_report(c, e, where, "server \"%s\" is not an IP address with an "
                   "optional port, e.g. \"127.0.0.1:5353\" or \"[::1]:53\"",
                   v);
            continue;
        }
        d->servers[d->n_servers] = walk_copy(c, e, v);
        if (d->servers[d->n_servers] != NULL)
            d->n_servers++;
    }
}

static void apply_dns_timeout(struct walk_ctx *c, const config_setting_t *s,
                              const char *where, void *obj)
{
    struct conf_dns *d = obj;

    walk_seconds(c, s, where, "timeout", DNSGROUP_MAX_TIMEOUT, "2", &d->timeout);
}

static const struct walk_key dns_keys[] = {
    { "servers", T_SEQ, "a list of strings such as ( \"127.0.0.1:53\" )",
      NULL, apply_dns_servers },
    { "timeout", T_NUMBER, "a number of seconds, e.g. 2", NULL,
      apply_dns_timeout },
};

void dnsgroup_apply(struct walk_ctx *c, const config_setting_t *s,
                      const char *where, void *obj)
{
    struct conf *conf = obj;

    (void)where;
    walk_group(c, s, dns_keys, WALK_N_OF(dns_keys), "dns", &conf->dns);
}
