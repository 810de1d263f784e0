/* capathgroup: a realm's `capaths` list; see capathgroup.h. */
#include "conf/capathgroup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"

const char *
capathgroup_bad_realm(const char *name)
{
    if (name[0] == '\0')
        return "it is empty";
    if (strpbrk(name, "@/") != NULL)
        return "it contains '@' or '/': expected only the realm, e.g. "
               "\"EXAMPLE.COM\"";
    if (walk_find_space(name) != NULL)
        return "it contains whitespace or a control character";
    return NULL;
}

/* One entry while it is read: apply() functions fill it. */
struct capath_entry {
    struct conf_capath cp;    /* its strings owned until moved to r */
    const char *self;         /* borrowed: the realm the entry belongs to */
};

static void
entry_clear(struct conf_capath *cp)
{
    free(cp->realm);
    for (size_t i = 0; i < cp->n_via; i++)
        free(cp->via[i]);
    free(cp->via);
    memset(cp, 0, sizeof(*cp));
}

static void
apply_capath_realm(struct walk_ctx *c, const config_setting_t *s,
                   const char *where, void *obj)
{
    struct capath_entry *e = obj;
    const char *v = config_setting_get_string(s);
    const char *bad = capathgroup_bad_realm(v);

    if (bad != NULL)
        walk_report(c, s, where, "realm \"%s\": %s", v, bad);
    else if (e->self != NULL && strcmp(v, e->self) == 0)
        walk_report(c, s, where, "realm \"%s\" is this realm itself: a "
               "capaths entry names another realm, the one the client "
               "reaches through the trust", v);
    else
        e->cp.realm = walk_copy(c, s, v);
}

static void
apply_capath_via(struct walk_ctx *c, const config_setting_t *s,
                 const char *where, void *obj)
{
    struct capath_entry *e = obj;
    unsigned n = (unsigned)config_setting_length(s);

    e->cp.via = calloc(n ? n : 1, sizeof(*e->cp.via));
    if (e->cp.via == NULL) {
        walk_report(c, s, where, "out of memory");
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        const config_setting_t *x = config_setting_get_elem(s, i);
        const char *v, *bad;
        size_t j;

        if (config_setting_type(x) != CONFIG_TYPE_STRING) {
            walk_report(c, x, where, "\"via\" entries must be realm names "
                   "such as \"EXAMPLE.COM\", not %s",
                   walk_type_name(config_setting_type(x)));
            continue;
        }
        v = config_setting_get_string(x);
        bad = capathgroup_bad_realm(v);
        if (bad != NULL) {
            walk_report(c, x, where, "via realm \"%s\": %s", v, bad);
            continue;
        }
        if (e->self != NULL && strcmp(v, e->self) == 0) {
            walk_report(c, x, where, "via realm \"%s\" is this realm "
                   "itself: list only the realms between", v);
            continue;
        }
        for (j = 0; j < e->cp.n_via; j++)
            if (strcmp(e->cp.via[j], v) == 0)
                break;
        if (j < e->cp.n_via) {
            walk_report(c, x, where, "via realm \"%s\" is listed twice: a "
                   "trust path goes through each realm once", v);
            continue;
        }
        e->cp.via[e->cp.n_via] = walk_copy(c, x, v);
        if (e->cp.via[e->cp.n_via] != NULL)
            e->cp.n_via++;
    }
}

static const struct walk_key capath_keys[] = {
    { "realm", T_STRING, "a string such as \"C.EXAMPLE.COM\"",
      "missing \"realm\": the realm the trust path leads to, e.g. realm = "
      "\"C.EXAMPLE.COM\";", apply_capath_realm },
    { "via", T_SEQ, "a list of realm names such as ( \"B.EXAMPLE.COM\" ), "
      "or ( ) for a direct trust",
      "missing \"via\": the realms between, nearest first, e.g. via = ( "
      "\"B.EXAMPLE.COM\" ); or via = ( ); for a direct trust",
      apply_capath_via },
};

void
capathgroup_apply(struct walk_ctx *c, const config_setting_t *s,
                  const char *where, void *obj)
{
    struct conf_realm *r = obj;
    unsigned n = (unsigned)config_setting_length(s);
    const char *self = r->realm;

    /* "realm" may come after "capaths" in the group. */
    if (self == NULL &&
        config_setting_lookup_string(config_setting_parent(s), "realm",
                                     &self) != CONFIG_TRUE)
        self = NULL;
    for (unsigned i = 0; i < n; i++) {
        const config_setting_t *g = config_setting_get_elem(s, i);
        struct capath_entry e;
        struct conf_capath *slot;
        char entry_where[300];
        size_t j;

        memset(&e, 0, sizeof(e));
        e.self = self;
        e.cp.line = (int)config_setting_source_line(g);
        if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
            walk_report(c, g, where, "\"capaths\" entries must be groups "
                   "such as { realm = \"C.EXAMPLE.COM\"; via = ( "
                   "\"B.EXAMPLE.COM\" ); }, not %s",
                   walk_type_name(config_setting_type(g)));
            continue;
        }
        snprintf(entry_where, sizeof(entry_where), "%s: capaths entry %u",
                 where, i + 1);
        walk_group(c, g, capath_keys, WALK_N_OF(capath_keys), entry_where,
                   &e);
        if (e.cp.realm == NULL || e.cp.via == NULL) {
            entry_clear(&e.cp);
            continue;
        }
        for (j = 0; j < e.cp.n_via; j++)
            if (strcmp(e.cp.via[j], e.cp.realm) == 0)
                break;
        if (j < e.cp.n_via) {
            walk_report(c, g, entry_where, "via realm \"%s\" is the realm "
                   "the path leads to: list only the realms between",
                   e.cp.realm);
            entry_clear(&e.cp);
            continue;
        }
        for (j = 0; j < r->n_capaths; j++)
            if (strcmp(r->capaths[j].realm, e.cp.realm) == 0)
                break;
        if (j < r->n_capaths) {
            walk_report(c, g, entry_where, "realm \"%s\" has a path "
                   "already: first at line %d", e.cp.realm,
                   r->capaths[j].line);
            entry_clear(&e.cp);
            continue;
        }
        slot = grow_one(&r->capaths, r->n_capaths, sizeof(*slot));
        if (slot == NULL) {
            walk_report(c, g, entry_where, "out of memory");
            entry_clear(&e.cp);
            continue;
        }
        *slot = e.cp;
        r->n_capaths++;
    }
}

void
capathgroup_free(struct conf_realm *r)
{
    for (size_t i = 0; i < r->n_capaths; i++)
        entry_clear(&r->capaths[i]);
    free(r->capaths);
    r->capaths = NULL;
    r->n_capaths = 0;
}
