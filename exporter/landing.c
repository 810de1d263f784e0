/* landing: the page at /; see landing.h. */
#include "exporter/landing.h"

#include <stdio.h>

#include "exporter/html.h"

void
landing_write(struct sbuf *b, const struct conf *conf, const char *version)
{

    sbuf_add(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                 "<title>krb5_exporter</title></head><body>\n"
                 "<h1>krb5_exporter</h1>\n<p>Kerberos authentication "
                 "health for Prometheus, version ");
    html_add_text(b, version);
    sbuf_add(b, ".</p>\n<ul>\n<li><a href=\"metrics\">/metrics</a>: probe "
                 "every realm now</li>\n<li><a href=\"-/healthy\">/-/healthy"
                 "</a></li>\n<li><a href=\"-/ready\">/-/ready</a></li>\n"
                 "</ul>\n<h2>Realms</h2>\n<table>\n<tr><th>realm</th>"
                 "<th>client</th><th>KDCs</th><th>transport</th>"
                 "<th>services</th><th>probe</th></tr>\n");
    for (size_t i = 0; i < conf->n_realms; i++) {
        const struct conf_realm *r = &conf->realms[i];
        sbuf_add(b, "<tr><td>");
        html_add_text(b, r->realm);
        sbuf_add(b, "</td><td>");
        html_add_text(b, r->client_principal);
        sbuf_add(b, "</td><td>");
        if (r->n_kdcs == 0)
            sbuf_add(b, "(DNS)");
        for (size_t k = 0; k < r->n_kdcs; k++) {
            char port[8];
            snprintf(port, sizeof(port), "%u", (unsigned)r->kdcs[k].port);
            sbuf_add(b, k ? ", " : "");
            html_add_text(b, r->kdcs[k].host);
            sbuf_add(b, ":");
            sbuf_add(b, port);
        }
        sbuf_add(b, "</td><td>");
        sbuf_add(b, conf_transport_name(r->transport));
        sbuf_add(b, "</td><td>");
        for (size_t k = 0; k < r->n_services; k++) {
            sbuf_add(b, k ? "<br>" : "");
            html_add_text(b, r->services[k]);
        }
        sbuf_add(b, "</td><td><a href=\"probe?realm=");
        html_add_query_value(b, r->realm);
        sbuf_add(b, "\">metrics</a> <a href=\"probe?realm=");
        html_add_query_value(b, r->realm);
        sbuf_add(b, "&amp;debug=true\">debug</a></td></tr>\n");
    }
    sbuf_add(b, "</table>\n</body></html>\n");
}
