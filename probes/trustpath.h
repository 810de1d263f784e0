/*
 * trustpath: which realms a client walks through to reach a service in
 * another realm, and what each answer along the way says of each trust.
 * Pure: strings and error codes in, a plan and verdicts out; the trust
 * probe (trust.c) does the exchanges.
 *
 * The plan is MIT krb5 1.20's own (k5_client_realm_path()): the realms a
 * `capaths` entry of the client's realm lists, or else straight to the
 * server realm.  The realm hierarchy (A.EXAMPLE.COM -> EXAMPLE.COM ->
 * B.EXAMPLE.COM) is then the KDCs' business: a KDC asked for a trust it
 * does not have hands out the cross-realm TGT of the next realm on its own
 * path (MIT's find_alternate_tgs(), AD's referrals), and the walk, like
 * MIT's client, follows it.  trustpath_hierarchy() computes that path for
 * the messages and the tests.
 *
 * Unlike MIT's client, which asks for the farthest realm of the plan
 * first, the walk asks for each hop of the plan in turn, so that every
 * trust on the way is probed and named.
 */
#ifndef KRB5EXP_TRUSTPATH_H
#define KRB5EXP_TRUSTPATH_H

#include <stddef.h>

#include "conf/conf.h"
#include "probes/errspace.h"

/* Most realms a path or a walk holds: MIT follows at most 10 referrals. */
#define TRUSTPATH_MAX 12
/* Longest realm name kept; a longer one makes no plan. */
#define TRUSTPATH_REALM_MAX 256

/* A plan: realms[0] is the client's realm, realms[n - 1] the server's. */
struct trustpath {
    const char *realms[TRUSTPATH_MAX];  /* borrowed from the config and the
                                           server realm passed in */
    size_t n;
    int from_capaths;         /* 1: a capaths entry gave it */
};

/*
 * The plan from conf's realm to server_realm (borrowed; both must outlive
 * the plan): conf's capaths entry for server_realm, else direct.  Returns
 * 0 and fills *out, or -1 when server_realm is conf's own realm, or the
 * path is too long.
 */
int trustpath_plan(const struct conf_realm *conf, const char *server_realm,
                   struct trustpath *out);

/*
 * The hierarchical path from client to server as MIT's realm tree walk
 * computes it (krb5_walk_realm_tree()): up from the client realm to the
 * longest suffix of whole components the two share, then down to the
 * server realm; without a common suffix, up to the client realm's last
 * component and down from the server realm's.  Writes up to max realm
 * names, each a copy of at most TRUSTPATH_REALM_MAX - 1 bytes, into
 * out[i] (each TRUSTPATH_REALM_MAX bytes).  Returns how many, or 0 when
 * they are the same realm, a name is empty or too long, or more than max
 * realms would be needed.
 */
size_t trustpath_hierarchy(const char *client, const char *server,
                           char (*out)[TRUSTPATH_REALM_MAX], size_t max);

/*
 * The realm a service is written with: what follows its last '@' not
 * escaped by a backslash, or own_realm when it names none.  Borrowed from
 * service or own_realm.
 */
const char *trustpath_service_realm(const char *service,
                                    const char *own_realm);

/*
 * Does err, from a request that presented a cross-realm TGT to the KDCs of
 * the realm it leads to, say that this realm did not take the ticket: its
 * KDC refused it (KRB5KRB_AP_ERR_*, such as BAD_INTEGRITY or MODIFIED for
 * keys that differ on the two sides, BADKEYVER for a kvno out of step, or
 * TGT_REVOKED, TRTYPE_NOSUPP), or none of its KDCs could be reached
 * (KRB5_KDC_UNREACH, KRB5_REALM_CANT_RESOLVE, errno and c-ares codes such
 * as ETIMEDOUT)?  etext is the KRB-ERROR's e-text when one came (NULL:
 * none): an MIT KDC answers a ticket it holds no key of that kvno for with
 * KRB_ERR_GENERIC and "PROCESS_TGS", the stage that checks the ticket.
 * Any other error is about the request itself (a service the realm does
 * not know), after the ticket was taken.
 */
int trustpath_refuses_ticket(struct probe_error err, const char *etext);

/* What became of one hop: the cross-realm TGT krbtgt/TO@FROM. */
enum trust_hop_state {
    TRUST_HOP_ISSUED,         /* FROM's KDC issued it; TO has not judged */
    TRUST_HOP_OK,             /* and TO's KDC took it */
    TRUST_HOP_FAILED,         /* FROM issued none, or TO refused it */
    TRUST_HOP_UNTRIED,        /* not reached: an earlier hop failed */
};

struct trust_hop {
    char from[TRUSTPATH_REALM_MAX];
    char to[TRUSTPATH_REALM_MAX];
    enum trust_hop_state state;
    struct probe_error error; /* FAILED and UNTRIED: why */
    int refused_by_to;        /* FAILED: 1 when TO's KDC refused it (or
                                 could not be reached), 0 when FROM's
                                 issued none */
};

enum trustwalk_state { TRUSTWALK_ASKING, TRUSTWALK_DONE, TRUSTWALK_FAILED };

/*
 * One walk along a plan.  Its owner asks what trustwalk_next() says, at
 * the KDCs of `cur`, and tells the walk the answer:
 *
 *   trustwalk_start(&w, &plan);
 *   while (trustwalk_next(&w, &realm, &final) == TRUSTWALK_ASKING)
 *       ask cur's KDCs for krbtgt/realm@cur (or, when final, for the
 *       service), then trustwalk_issued(), trustwalk_served() or
 *       trustwalk_refused();
 *   w.hops[0 .. n_hops - 1]: every hop, in order, none left ISSUED.
 *
 * A walk holds copies of every name it needs; the plan may go away once it
 * has started.
 */
struct trustwalk {
    char path[TRUSTPATH_MAX][TRUSTPATH_REALM_MAX];  /* the plan's realms */
    size_t n_path;
    size_t next;              /* index in path of the realm asked for */
    char cur[TRUSTPATH_REALM_MAX];   /* whose TGT the walk holds */
    struct trust_hop hops[TRUSTPATH_MAX];
    size_t n_hops;
    enum trustwalk_state state;
};

/* Start w on plan (at least two realms). */
void trustwalk_start(struct trustwalk *w, const struct trustpath *plan);

/*
 * What to ask next, of the KDCs of w->cur: when *final_out is 1, the
 * service (w->cur is the server realm, and the walk holds its TGT); else
 * the cross-realm TGT krbtgt/<*realm_out>@<w->cur> (*realm_out borrowed
 * from w).  Returns w->state; nothing is to be asked unless it is
 * TRUSTWALK_ASKING.
 */
enum trustwalk_state trustwalk_next(const struct trustwalk *w,
                                    const char **realm_out, int *final_out);

/*
 * cur's KDC answered the TGT request with krbtgt/<tgt_realm>@<cur>: the
 * one asked for, or one of its own choosing (a referral on its own path).
 * The hop into cur, if any, is taken; the walk goes on from tgt_realm.  A
 * referral back to a realm already walked, or past TRUSTPATH_MAX hops,
 * fails the new hop with KRB5_KDCREP_MODIFIED (MIT's answer to a referral
 * loop).
 */
void trustwalk_issued(struct trustwalk *w, const char *tgt_realm);

/* The server realm's KDC issued the service ticket: the last hop is
 * taken, and the walk is done. */
void trustwalk_served(struct trustwalk *w);

/*
 * The request at cur failed with err (etext: the KRB-ERROR's e-text, or
 * NULL).  When it presented a cross-realm TGT and
 * trustpath_refuses_ticket(err, etext), that hop failed at cur's KDC;
 * otherwise cur's KDC took it, and either issued no TGT for the next realm
 * (that hop failed, at cur) or, for the service, gave the service's own
 * error (the walk is done: every hop was taken).  The plan's hops past a
 * failure are added UNTRIED with the same error.
 */
void trustwalk_refused(struct trustwalk *w, struct probe_error err,
                       const char *etext);

/*
 * "krbtgt/TO@FROM" into buf (buf_len bytes).  Returns 0, or -1 when it
 * does not fit.
 */
int trustpath_hop_name(const struct trust_hop *hop, char *buf,
                       size_t buf_len);

#endif
