/*
 * realmgroup: one entry of the top-level `realms` list of the config (the
 * realm name, its KDCs, the client, the services and the per-realm
 * timings) into a struct conf_realm.  Internal to conf/.
 */
#ifndef KRB5EXP_REALMGROUP_H
#define KRB5EXP_REALMGROUP_H

#include "conf/walk.h"

/*
 * Fill conf->realms[idx] (0-based, already zeroed) from the group g,
 * defaults first.  Every problem is reported through c and the walk goes
 * on; a realm named like one of conf->realms[0..idx-1] is reported as
 * defined twice.  What is stored is owned by the realm and freed by
 * conf_free(), whether or not the load as a whole succeeds.
 */
void realmgroup_load(struct walk_ctx *c, const config_setting_t *g,
                     unsigned idx, struct conf *conf);

/* "udp", "tcp", "both"; "unknown" out of range.  Static string. */
const char *realmgroup_transport_name(enum conf_transport t);

/* "none", "forward", "reverse"; "unknown" out of range.  Static string. */
const char *realmgroup_canon_name(enum conf_canon c);

#endif
