/* html: escaping text for HTML pages, in one place. */
#ifndef KRB5EXP_HTML_H
#define KRB5EXP_HTML_H

#include "base/sbuf.h"

/* Append text with the five HTML special characters escaped. */
void html_add_text(struct sbuf *b, const char *text);

/* Append text percent-encoded for a URL query value (unreserved
 * characters stay as they are). */
void html_add_query_value(struct sbuf *b, const char *text);

#endif
