/*
 * webgroup: the top-level `web` group of the config (TLS, basic auth and
 * connection limits, after Prometheus's exporter-toolkit).  Internal to
 * conf/.
 */
#ifndef KRB5EXP_WEBGROUP_H
#define KRB5EXP_WEBGROUP_H

#include "conf/walk.h"

#define WEBGROUP_DEFAULT_MAX_CONNECTIONS 64
#define WEBGROUP_DEFAULT_IDLE_TIMEOUT 30
#define WEBGROUP_DEFAULT_MAX_REQUEST_SIZE 16384

/* The walk_key apply() of `web`: obj is the struct conf. */
void webgroup_apply(struct walk_ctx *c, const config_setting_t *s,
                    const char *where, void *obj);

/* "TLS12" and so on.  Static string. */
const char *webgroup_tls_version_name(enum conf_tls_version v);

#endif
