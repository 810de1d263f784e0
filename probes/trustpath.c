/* trustpath: trust paths and walks along them; see trustpath.h. */
#include "probes/trustpath.h"

#include <errno.h>
#include <krb5/krb5.h>
#include <stdio.h>
#include <string.h>

int
trustpath_plan(const struct conf_realm *conf, const char *server_realm,
               struct trustpath *out)
{
    const struct conf_capath *cp = NULL;
    struct trustpath p;

    memset(&p, 0, sizeof(p));
    if (strcmp(conf->realm, server_realm) == 0)
        return -1;
    for (size_t i = 0; i < conf->n_capaths && cp == NULL; i++)
        if (strcmp(conf->capaths[i].realm, server_realm) == 0)
            cp = &conf->capaths[i];
    if (cp != NULL && cp->n_via + 2 > TRUSTPATH_MAX)
        return -1;
    p.realms[p.n++] = conf->realm;
    for (size_t i = 0; cp != NULL && i < cp->n_via; i++)
        p.realms[p.n++] = cp->via[i];
    p.realms[p.n++] = server_realm;
    p.from_capaths = cp != NULL;
    *out = p;
    return 0;
}

/*
 * Where the longest suffix of whole dot-separated components that a and
 * b share starts in each (*a_tail, *b_tail: offsets), as MIT's comtail()
 * and adjtail() find it.  Returns 0 when they share none.
 */
static int
common_tail(const char *a, const char *b, size_t *a_tail, size_t *b_tail)
{
    size_t la = strlen(a), lb = strlen(b), n = 0;

    while (n < la && n < lb && a[la - 1 - n] == b[lb - 1 - n])
        n++;
    /* Back to the start of a whole component in both. */
    while (n > 0) {
        int a_whole = n == la || a[la - n - 1] == '.';
        int b_whole = n == lb || b[lb - n - 1] == '.';
        if (a_whole && b_whole && a[la - n] != '.')
            break;
        n--;
    }
    if (n == 0)
        return 0;
    *a_tail = la - n;
    *b_tail = lb - n;
    return 1;
}

size_t
trustpath_hierarchy(const char *client, const char *server,
                    char (*out)[TRUSTPATH_REALM_MAX], size_t max)
{
    size_t c_tail = 0, s_tail = 0, n = 0, up, down[TRUSTPATH_MAX];
    size_t n_down = 0, cl = strlen(client), sl = strlen(server);
    int shared;

    if (cl == 0 || sl == 0 || cl >= TRUSTPATH_REALM_MAX ||
        sl >= TRUSTPATH_REALM_MAX || strcmp(client, server) == 0)
        return 0;
    shared = common_tail(client, server, &c_tail, &s_tail);
    /* Up: the client realm and each parent, to the common suffix (or, with
     * none, to its last component). */
    for (up = 0;;) {
        if (n == max)
            return 0;
        snprintf(out[n++], TRUSTPATH_REALM_MAX, "%s", client + up);
        if (shared && up == c_tail)
            break;
        const char *dot = strchr(client + up, '.');
        if (dot == NULL || dot[1] == '\0')
            break;
        up = (size_t)(dot + 1 - client);
    }
    /* Down: the server realm's parents below the common suffix, then the
     * server realm, nearest the top first. */
    for (size_t at = 0;;) {
        if (shared && at == s_tail)
            break;
        if (n_down == TRUSTPATH_MAX)
            return 0;
        down[n_down++] = at;
        const char *dot = strchr(server + at, '.');
        if (dot == NULL || dot[1] == '\0')
            break;
        at = (size_t)(dot + 1 - server);
    }
    while (n_down > 0) {
        if (n == max)
            return 0;
        snprintf(out[n++], TRUSTPATH_REALM_MAX, "%s", server + down[--n_down]);
    }
    return n;
}

const char *
trustpath_service_realm(const char *service, const char *own_realm)
{
    const char *at = NULL;

    for (const char *p = service; *p != '\0'; p++) {
        if (*p == '\\' && p[1] != '\0')
            p++;
        else if (*p == '@')
            at = p;
    }
    return at != NULL && at[1] != '\0' ? at + 1 : own_realm;
}

int
trustpath_refuses_ticket(struct probe_error err, const char *etext)
{
    if (err.code == 0)
        return 0;
    if (err.space == ERR_SPACE_KRB5 && err.code == KRB5KRB_ERR_GENERIC)
        return etext != NULL && strcmp(etext, "PROCESS_TGS") == 0;
    /* The realm's KDCs could not be reached, found or resolved. */
    if (err.space == ERR_SPACE_ERRNO || err.space == ERR_SPACE_ARES)
        return 1;
    if (err.space != ERR_SPACE_KRB5)
        return 0;
    if (err.code >= KRB5KRB_AP_ERR_BAD_INTEGRITY &&
        err.code <= KRB5KRB_AP_PATH_NOT_ACCEPTED)
        return 1;
    switch (err.code) {
    case KRB5KDC_ERR_TGT_REVOKED:
    case KRB5KDC_ERR_TRTYPE_NOSUPP:
    case KRB5KDC_ERR_SVC_UNAVAILABLE:
    case KRB5KDC_ERR_WRONG_REALM:
    case KRB5_KDC_UNREACH:
    case KRB5_REALM_CANT_RESOLVE:
    case KRB5_REALM_UNKNOWN:
        return 1;
    default:
        return 0;
    }
}

void
trustwalk_start(struct trustwalk *w, const struct trustpath *plan)
{
    memset(w, 0, sizeof(*w));
    for (size_t i = 0; i < plan->n && i < TRUSTPATH_MAX; i++)
        snprintf(w->path[w->n_path++], TRUSTPATH_REALM_MAX, "%s",
                 plan->realms[i]);
    snprintf(w->cur, sizeof(w->cur), "%s", w->path[0]);
    w->next = 1;
    w->state = w->n_path >= 2 ? TRUSTWALK_ASKING : TRUSTWALK_FAILED;
}

/* The index of realm in w's plan, or n_path when it is not on it. */
static size_t
plan_index(const struct trustwalk *w, const char *realm)
{
    size_t i;

    for (i = 0; i < w->n_path; i++)
        if (strcmp(w->path[i], realm) == 0)
            break;
    return i;
}

/* Is cur the server realm? */
static int
at_server(const struct trustwalk *w)
{
    return strcmp(w->cur, w->path[w->n_path - 1]) == 0;
}

enum trustwalk_state
trustwalk_next(const struct trustwalk *w, const char **realm_out,
               int *final_out)
{
    if (w->state != TRUSTWALK_ASKING)
        return w->state;
    *final_out = at_server(w);
    *realm_out = *final_out ? w->cur : w->path[w->next];
    return w->state;
}

/* The hop that brought the walk into cur and awaits cur's verdict, or
 * NULL (cur is the client's realm). */
static struct trust_hop *
pending(struct trustwalk *w)
{
    struct trust_hop *h = w->n_hops > 0 ? &w->hops[w->n_hops - 1] : NULL;

    return h != NULL && h->state == TRUST_HOP_ISSUED &&
                   strcmp(h->to, w->cur) == 0
               ? h : NULL;
}

/* Copy a realm name into dst[size], cut to fit.  The source may lie inside
 * the same walk (a planned path entry): memmove, not snprintf, which may
 * not be given overlapping buffers. */
static void
copy_realm(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);

    memmove(dst, src, n);
    dst[n] = '\0';
}

static struct trust_hop *
add_hop(struct trustwalk *w, const char *from, const char *to,
        enum trust_hop_state state, struct probe_error err)
{
    struct trust_hop *h;

    if (w->n_hops == TRUSTPATH_MAX)
        return NULL;
    h = &w->hops[w->n_hops++];
    memset(h, 0, sizeof(*h));
    copy_realm(h->from, sizeof(h->from), from);
    copy_realm(h->to, sizeof(h->to), to);
    h->state = state;
    h->error = err;
    return h;
}

/* The walk failed: the plan's hops from realm `from` on were not tried. */
static void
fail_rest(struct trustwalk *w, const char *from, struct probe_error err)
{
    w->state = TRUSTWALK_FAILED;
    for (size_t i = plan_index(w, from); i + 1 < w->n_path; i++)
        add_hop(w, w->path[i], w->path[i + 1], TRUST_HOP_UNTRIED, err);
}

/* Has the walk held a TGT for realm already (a referral loop)? */
static int
walked(const struct trustwalk *w, const char *realm)
{
    if (strcmp(w->path[0], realm) == 0)
        return 1;
    for (size_t i = 0; i < w->n_hops; i++)
        if (strcmp(w->hops[i].to, realm) == 0)
            return 1;
    return 0;
}

void
trustwalk_issued(struct trustwalk *w, const char *tgt_realm)
{
    struct trust_hop *h = pending(w), *hop;
    const struct probe_error loop = { ERR_SPACE_KRB5, KRB5_KDCREP_MODIFIED };
    int looped;
    size_t k;

    if (w->state != TRUSTWALK_ASKING)
        return;
    if (h != NULL)
        h->state = TRUST_HOP_OK;
    looped = walked(w, tgt_realm) || w->n_hops + 1 >= TRUSTPATH_MAX;
    hop = add_hop(w, w->cur, tgt_realm,
                  looped ? TRUST_HOP_FAILED : TRUST_HOP_ISSUED,
                  looped ? loop : (struct probe_error){ ERR_SPACE_KRB5, 0 });
    if (looped || hop == NULL) {
        w->state = TRUSTWALK_FAILED;
        return;
    }
    k = plan_index(w, tgt_realm);
    if (k < w->n_path)
        w->next = k + 1;    /* on the plan: on from there */
    /* Off the plan (a KDC's referral on its own path): on from there to
     * the same next realm. */
    snprintf(w->cur, sizeof(w->cur), "%s", tgt_realm);
    if (!at_server(w) && w->next >= w->n_path)
        w->next = w->n_path - 1;
}

void
trustwalk_served(struct trustwalk *w)
{
    struct trust_hop *h = pending(w);

    if (w->state != TRUSTWALK_ASKING)
        return;
    if (h != NULL)
        h->state = TRUST_HOP_OK;
    w->state = TRUSTWALK_DONE;
}

void
trustwalk_refused(struct trustwalk *w, struct probe_error err,
                  const char *etext)
{
    struct trust_hop *h = pending(w);
    struct trust_hop *hop;
    char at[TRUSTPATH_REALM_MAX];

    if (w->state != TRUSTWALK_ASKING)
        return;
    if (h != NULL && trustpath_refuses_ticket(err, etext)) {
        h->state = TRUST_HOP_FAILED;
        h->error = err;
        h->refused_by_to = 1;
        fail_rest(w, h->to, err);
        return;
    }
    if (h != NULL)
        h->state = TRUST_HOP_OK;
    if (at_server(w)) {
        /* The service's own error: every trust on the way held. */
        w->state = TRUSTWALK_DONE;
        return;
    }
    hop = add_hop(w, w->cur, w->path[w->next], TRUST_HOP_FAILED, err);
    if (hop == NULL) {
        w->state = TRUSTWALK_FAILED;
        return;
    }
    snprintf(at, sizeof(at), "%s", w->path[w->next]);
    fail_rest(w, at, err);
}

int
trustpath_hop_name(const struct trust_hop *hop, char *buf, size_t buf_len)
{
    int n = snprintf(buf, buf_len, "krbtgt/%s@%s", hop->to, hop->from);

    return n < 0 || (size_t)n >= buf_len ? -1 : 0;
}
