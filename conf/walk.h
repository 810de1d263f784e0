/*
 * walk: the machinery the config loader walks libconfig's tree with.  Each
 * group is checked against a table of known keys (struct walk_key); every
 * problem is recorded as "FILE:LINE: WHERE: reason" and the walk keeps
 * going, so that one run shows every mistake in the file.  Internal to
 * conf/.
 */
#ifndef KRB5EXP_WALK_H
#define KRB5EXP_WALK_H

#include <libconfig.h>
#include <stddef.h>

#include "conf/conf.h"

/* State of one load: where messages go and whether anything went wrong. */
struct walk_ctx {
    const char *name;            /* borrowed; FILE in messages */
    struct conf_errors *errs;    /* borrowed; messages are appended here */
    int failed;                  /* set by every problem, even when its
                                    message could not be stored (no memory) */
};

/*
 * One known key of a group.  `types` is a mask of the libconfig types the key
 * accepts; `expected` finishes the sentence "KEY must be ..." when the type
 * is wrong; `missing` is the reason reported when the key is absent (NULL for
 * optional keys).  apply() checks the value and stores it in `obj`, which is
 * the struct the group fills (named in each table's comment).  Adding a key
 * means adding a row and its apply() function.
 */
struct walk_key {
    const char *name;
    unsigned types;
    const char *expected;
    const char *missing;
    void (*apply)(struct walk_ctx *c, const config_setting_t *s,
                  const char *where, void *obj);
};

#define TYPE_BIT(t) (1u << (t))
#define T_STRING TYPE_BIT(CONFIG_TYPE_STRING)
#define T_NUMBER (TYPE_BIT(CONFIG_TYPE_INT) | TYPE_BIT(CONFIG_TYPE_INT64) \
                  | TYPE_BIT(CONFIG_TYPE_FLOAT))
#define T_GROUP TYPE_BIT(CONFIG_TYPE_GROUP)
#define T_SEQ (TYPE_BIT(CONFIG_TYPE_LIST) | TYPE_BIT(CONFIG_TYPE_ARRAY))

#define WALK_N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Record a problem found at setting s (its file and line). */
void walk_report(struct walk_ctx *c, const config_setting_t *s,
                 const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Record a problem at a given file and line (0: the file as a whole). */
void walk_report_at(struct walk_ctx *c, const char *file, unsigned line,
                    const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "an integer", "a string", ... for a libconfig type.  Static string. */
const char *walk_type_name(int type);

/* Write "a, b, c" into buf (truncated if it must be). */
void walk_join_names(char *buf, size_t size, const char *const *names,
                     size_t n);

/* Index of s in names, or -1. */
int walk_name_index(const char *const *names, size_t n, const char *s);

/*
 * Walk the members of a group: unknown keys and wrong types are reported,
 * known keys go to their apply(), and absent required keys are reported
 * last, at the group's line.  `where` prefixes messages (NULL at top level).
 */
void walk_group(struct walk_ctx *c, const config_setting_t *group,
                const struct walk_key *keys, size_t n_keys,
                const char *where, void *obj);

/* Copy a libconfig string (the tree frees its own), reporting failure. */
char *walk_copy(struct walk_ctx *c, const config_setting_t *s,
                const char *text);

/* The first byte that is whitespace or a control character, or NULL. */
const char *walk_find_space(const char *s);

/* Check a keytab, password or key file (see privfile_check), reporting at
 * s.  Returns 0 when it is fine. */
int walk_secret_file(struct walk_ctx *c, const config_setting_t *s,
                     const char *where, const char *what, const char *path);

/* The value of a number setting, whichever of libconfig's types it has. */
double walk_number(const config_setting_t *s);

/*
 * A number of seconds above 0 and at most max: returns 0 and sets *out, or
 * reports "WHAT V is out of range: expected seconds above 0 and at most
 * MAX, e.g. EXAMPLE" and returns -1.
 */
int walk_seconds(struct walk_ctx *c, const config_setting_t *s,
                 const char *where, const char *what, double max,
                 const char *example, double *out);

#endif
