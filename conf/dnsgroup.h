/*
 * dnsgroup: the top-level `dns` group of the config (name servers and the
 * per-try timeout).  Internal to conf/.
 */
#ifndef KRB5EXP_DNSGROUP_H
#define KRB5EXP_DNSGROUP_H

#include "conf/walk.h"

#define DNSGROUP_MAX_TIMEOUT 60.0

/* The walk_key apply() of `dns`: obj is the struct conf. */
void dnsgroup_apply(struct walk_ctx *c, const config_setting_t *s,
                    const char *where, void *obj);

#endif
