/* walk: the config loader's tree walk and problem reports; see walk.h. */
#include "conf/walk.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "conf/privfile.h"

/* Append msg to errs, taking ownership of it (it is freed on failure). */
static void errs_add(struct conf_errors *errs, char *msg)
{
    char **slot = grow_one(&errs->messages, errs->count, sizeof(*slot));

    if (slot == NULL) {
        free(msg);
        return;
    }
    *slot = msg;
    errs->count++;
}

/*
 * Record one problem as "FILE:LINE: WHERE: reason", leaving out LINE when it
 * is 0 and WHERE when it is NULL.
 */
static void vreport(struct walk_ctx *c, const char *file, unsigned line,
                    const char *where, const char *fmt, va_list ap)
{
    char *reason = NULL, *msg = NULL;
    char pos[32] = "";
    int n;

    c->failed = 1;
    if (vasprintf(&reason, fmt, ap) < 0) {
        reason = NULL;
        goto cleanup;
    }
    if (line > 0)
        snprintf(pos, sizeof(pos), ":%u", line);
    n = asprintf(&msg, "%s%s: %s%s%s", file, pos, where ? where : "",
                 where ? ": " : "", reason);
    if (n < 0) {
        msg = NULL;
        goto cleanup;
    }
    errs_add(c->errs, msg);
    msg = NULL;
cleanup:
    free(reason);
    free(msg);
}

/* Report a problem found at setting s (its file and line). */
void walk_report(struct walk_ctx *c, const config_setting_t *s, const char *where,
                   const char *fmt, ...)
{
    const char *file = config_setting_source_file(s);
    va_list ap;

    va_start(ap, fmt);
    vreport(c, file ? file : c->name, config_setting_source_line(s), where,
            fmt, ap);
    va_end(ap);
}

/* Report a problem at a given file and line (0: the file as a whole). */
void walk_report_at(struct walk_ctx *c, const char *file, unsigned line,
                      const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(c, file ? file : c->name, line, NULL, fmt, ap);
    va_end(ap);
}

const char *walk_type_name(int type)
{
    switch (type) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64: return "an integer";
    case CONFIG_TYPE_FLOAT: return "a floating-point number";
    case CONFIG_TYPE_STRING: return "a string";
    case CONFIG_TYPE_BOOL: return "a boolean";
    case CONFIG_TYPE_GROUP: return "a group { ... }";
    case CONFIG_TYPE_ARRAY: return "an array [ ... ]";
    case CONFIG_TYPE_LIST: return "a list ( ... )";
    default: return "an unknown type";
    }
}

/* Write "a, b, c" into buf (truncated if it must be). */
void walk_join_names(char *buf, size_t size, const char *const *names,
                       size_t n)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++) {
        int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                         names[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* Index of s in names, or -1. */
int walk_name_index(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return (int)i;
    return -1;
}

/*
 * Walk the members of a group: unknown keys and wrong types are reported,
 * known keys go to their apply(), and absent required keys are reported
 * last, at the group's line.  `where` prefixes messages (NULL at top level).
 */
void walk_group(struct walk_ctx *c, const config_setting_t *group,
                       const struct walk_key *keys, size_t n_keys,
                       const char *where, void *obj)
{
    int len = config_setting_length(group);

    for (int i = 0; i < len; i++) {
        const config_setting_t *s = config_setting_get_elem(group,
                                                            (unsigned)i);
        const char *name = config_setting_name(s);
        const struct walk_key *k = NULL;

        for (size_t j = 0; j < n_keys && k == NULL; j++)
            if (strcmp(keys[j].name, name) == 0)
                k = &keys[j];
        if (k == NULL) {
            const char *names[16];
            char known[256];
            size_t n = 0;

            for (size_t j = 0; j < n_keys && n < WALK_N_OF(names); j++)
                names[n++] = keys[j].name;
            walk_join_names(known, sizeof(known), names, n);
            walk_report(c, s, where, "unknown %skey \"%s\" (known keys: %s)",
                   where ? "" : "top-level ", name, known);
            continue;
        }
        if ((k->types & TYPE_BIT(config_setting_type(s))) == 0) {
            walk_report(c, s, where, "\"%s\" must be %s, not %s", name,
                   k->expected, walk_type_name(config_setting_type(s)));
            continue;
        }
        k->apply(c, s, where, obj);
    }
    for (size_t j = 0; j < n_keys; j++)
        if (keys[j].missing != NULL
            && config_setting_get_member(group, keys[j].name) == NULL)
            walk_report(c, group, where, "%s", keys[j].missing);
}

/* Copy a libconfig string (the tree frees its own), reporting failure. */
char *walk_copy(struct walk_ctx *c, const config_setting_t *s, const char *text)
{
    char *dup = strdup(text);

    if (dup == NULL)
        walk_report(c, s, NULL, "out of memory");
    return dup;
}

/* The first byte that is whitespace or a control character, or NULL. */
const char *walk_find_space(const char *s)
{
    for (; *s != '\0'; s++)
        if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s))
            return s;
    return NULL;
}

/* Check a keytab or password file (see privfile_check), reporting at s. */
int walk_secret_file(struct walk_ctx *c, const config_setting_t *s,
                             const char *where, const char *what,
                             const char *path)
{
    char reason[512];

    if (privfile_check(path, what, reason, sizeof(reason)) == 0)
        return 0;
    walk_report(c, s, where, "%s", reason);
    return -1;
}

/* The value of a number setting, whichever of libconfig's types it has. */
double walk_number(const config_setting_t *s)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT: return config_setting_get_int(s);
    case CONFIG_TYPE_INT64: return (double)config_setting_get_int64(s);
    default: return config_setting_get_float(s);
    }
}

int walk_seconds(struct walk_ctx *c, const config_setting_t *s,
                 const char *where, const char *what, double max,
                 const char *example, double *out)
{
    double v = walk_number(s);

    if (v > 0 && v <= max) {
        *out = v;
        return 0;
    }
    walk_report(c, s, where, "%s %g is out of range: expected seconds above "
                "0 and at most %g, e.g. %s", what, v, max, example);
    return -1;
}
