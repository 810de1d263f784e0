/*
 * landing: the page at /, which names each configured realm with its
 * client, KDCs and services and links to its /probe and debug pages.
 * Pure: it writes what the config says and starts no probe.
 */
#ifndef KRB5EXP_LANDING_H
#define KRB5EXP_LANDING_H

#include "base/sbuf.h"
#include "conf/conf.h"

/* Append the page for conf, naming the exporter's version (borrowed). */
void landing_write(struct sbuf *b, const struct conf *conf,
                   const char *version);

#endif
