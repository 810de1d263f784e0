/*
 * webwatch: the I/O shell of webconfig.  It reads the web config file
 * (--web.config.file) and the PEM files it names, or those of the
 * libconfig `web` group, into a struct webconfig, and stamps each file it
 * read so that a change shows: http stat()s them per connection and per
 * request, rereads on a change and keeps the version in force when the
 * reread fails.
 */
#ifndef KRB5EXP_WEBWATCH_H
#define KRB5EXP_WEBWATCH_H

#include <sys/types.h>
#include <time.h>

#include "conf/conf.h"
#include "exporter/webconfig.h"

/* The files a load read, in the order it read them. */
enum webwatch_file {
    WEBWATCH_FILE_YAML, WEBWATCH_FILE_CERT, WEBWATCH_FILE_KEY,
    WEBWATCH_FILE_CA, WEBWATCH_FILE_COUNT
};

/* What stat() said of one file: a change in any field is a change of the
 * file (a rewrite in place, a rename over it, a new mtime, a removal). */
struct webwatch_stamp {
    int present;              /* 0: stat() failed */
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    struct timespec ctime;
};

/* The files one load read (or tried to), each with its stamp from just
 * before it was read: the YAML file, and the PEM files it names. */
struct webwatch {
    char *path[WEBWATCH_FILE_COUNT];     /* owned or NULL: not read */
    struct webwatch_stamp stamp[WEBWATCH_FILE_COUNT];
};

/*
 * Read the file at path, parse it, and read the PEM files it names (the
 * key file must not be readable by others).  Same contract as
 * webconfig_parse().  An empty file is a problem when refuse_empty is set:
 * a file caught half-written at a reload would otherwise turn TLS and
 * authentication off.  When watch is not NULL it is cleared and then
 * filled, on failure too, with each file the load read or tried to read
 * and its stamp from just before: a change while reading shows as a change
 * the next time.  The caller clears it with webwatch_clear().
 */
int webwatch_load_file(const char *path, int refuse_empty,
                       struct webwatch *watch,
                       struct webconfig **out, struct conf_errors *errs);

/* 1 when a file of watch is not as its stamp says (stat()s each). */
int webwatch_changed(const struct webwatch *watch);

/* Free what watch holds and zero it; a zeroed watch is fine. */
void webwatch_clear(struct webwatch *watch);

/*
 * The libconfig `web` group's TLS and users as a webconfig, its PEM files
 * read, for a server started without --web.config.file.  `name` is the
 * libconfig file's name.  Same contract as webconfig_parse().
 */
int webwatch_from_group(const struct conf_web *web, const char *name,
                        struct webconfig **out, struct conf_errors *errs);

/* What stat() says of path now.  1 when a and b describe the same file
 * in the same state (both absent counts as the same). */
void webwatch_stamp(const char *path, struct webwatch_stamp *out);
int webwatch_stamp_same(const struct webwatch_stamp *a,
                        const struct webwatch_stamp *b);

#endif
