/*
 * privfile: files that only their owner may touch (the config, keytabs and
 * password files), checked as ssh checks private keys.
 */
#ifndef KRB5EXP_PRIVFILE_H
#define KRB5EXP_PRIVFILE_H

#include <stddef.h>

/*
 * Check that path can be opened, is a regular non-empty file, and gives no
 * permission to group or others.  `what` names the file in the reason
 * ("keytab", "password_file"; NULL when the reason needs no name, as for
 * the config itself).  The contents are never read.  Returns 0, or -1 with
 * the reason (and how to fix it) in reason[size].
 */
int privfile_check(const char *path, const char *what, char *reason,
                   size_t size);

/*
 * privfile_check() the file, then read it whole into a NUL-terminated
 * buffer (caller frees *text_out).  Refuses files over max_size bytes and
 * files holding a NUL byte.  Returns 0, or -1 with reason[size] set.
 */
int privfile_read(const char *path, size_t max_size, char **text_out,
                  char *reason, size_t size);

#endif
