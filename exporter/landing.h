/*
 * landing: the status page at /, for a person at 3 a.m.  One card per
 * configured realm with the latest result of each of its probes, the age
 * of that result, and for each failure its code, name, cause and first fix
 * (the same tables as --once: krb5err_advice, and ntstatus for an AD
 * extended status); links to the realm's /probe and debug pages.  A realm
 * not probed yet says so.
 *
 * Pure: config, latest results and the time in, HTML out.  It starts no
 * probe and reads no clock.  The page needs no other file (inline CSS, no
 * script, no image, no font), so it works offline and without JavaScript,
 * and fits a phone's width.
 */
#ifndef KRB5EXP_LANDING_H
#define KRB5EXP_LANDING_H

#include "base/sbuf.h"
#include "conf/conf.h"
#include "probes/result.h"

/* Seconds after which a realm's latest result is flagged as stale: no
 * scrape has reached the realm for that long. */
#define LANDING_STALE_SECONDS 600.0

/* Seconds between the page's own reloads (a meta refresh, no script). */
#define LANDING_REFRESH_SECONDS 30

/* The latest result of one realm. */
struct landing_realm {
    const struct realm_result *result;  /* borrowed; NULL: not probed yet */
    double at;                /* monotonic seconds when it was had */
    double at_wall;           /* the same moment in unix time, shown */
};

/* What the page is made of; everything borrowed for the call. */
struct landing_input {
    const struct conf *conf;
    const struct landing_realm *realms;   /* conf->n_realms entries, in the
                                             config's order */
    double now;               /* monotonic seconds, for the ages */
    const char *version;      /* the exporter's */
};

/* Append the page to b (check sbuf_status() after). */
void landing_write(struct sbuf *b, const struct landing_input *in);

/*
 * Append an age or a duration of whole seconds for people: "42 s",
 * "3 min 5 s", "2 h 10 min", "4 d 3 h".  Negative means 0.
 */
void landing_add_age(struct sbuf *b, double seconds);

#endif
