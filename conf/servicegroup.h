/*
 * servicegroup: a realm's `services` list of the config, each entry a
 * service principal as a string, or a group of principal, keytab, url
 * and ca_file, into the realm's services, service_keytabs and http
 * arrays.  Internal to conf/.
 */
#ifndef KRB5EXP_SERVICEGROUP_H
#define KRB5EXP_SERVICEGROUP_H

#include "conf/walk.h"

/*
 * The walk_key apply() of `services = ( "HTTP/www.example.com", {
 * url = "https://www.example.com/"; } )`: obj is the struct conf_realm.
 * Every entry is checked (a principal or a url, no service or url twice,
 * one keytab per service, a ca_file only beside an https url) and stored
 * in r->services, r->service_keytabs and r->http, owned by the realm and
 * freed by conf_free().
 */
void servicegroup_apply(struct walk_ctx *c, const config_setting_t *s,
                        const char *where, void *obj);

#endif
