/*
 * capathgroup: a realm's `capaths` list of the config, the explicit trust
 * paths its client walks to reach the KDCs of other realms, into the
 * realm's struct conf_capath array.  Internal to conf/.
 */
#ifndef KRB5EXP_CAPATHGROUP_H
#define KRB5EXP_CAPATHGROUP_H

#include "conf/walk.h"

/*
 * The walk_key apply() of `capaths = ( { realm = "C"; via = ( "B" ); } )`:
 * obj is the struct conf_realm.  Every entry is checked (realm names, no
 * realm twice, no loop through the realm itself) and stored in
 * r->capaths, owned by the realm and freed by conf_free().
 */
void capathgroup_apply(struct walk_ctx *c, const config_setting_t *s,
                       const char *where, void *obj);

/*
 * Is name a realm name as the config takes one: not empty, no '@' or '/',
 * no whitespace or control character?  Returns NULL when it is, else the
 * reason (a static string).  Pure.
 */
const char *capathgroup_bad_realm(const char *name);

/* Free what capathgroup_apply() stored in r (r itself is not freed). */
void capathgroup_free(struct conf_realm *r);

#endif
