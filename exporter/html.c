/* html: escapers for HTML pages; see html.h. */
#include "exporter/html.h"

/* Append text with the five HTML special characters escaped. */
void
html_add_text(struct sbuf *b, const char *text)
{
    for (const char *p = text; *p != '\0'; p++) {
        switch (*p) {
        case '&': sbuf_add(b, "&amp;"); break;
        case '<': sbuf_add(b, "&lt;"); break;
        case '>': sbuf_add(b, "&gt;"); break;
        case '"': sbuf_add(b, "&quot;"); break;
        case '\'': sbuf_add(b, "&#39;"); break;
        default: sbuf_addn(b, p, 1); break;
        }
    }
}

/* Append text escaped for a URL query value. */
void
html_add_query_value(struct sbuf *b, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";

    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
            (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_') {
            sbuf_addn(b, (const char *)p, 1);
        } else {
            char enc[4] = { '%', hex[*p >> 4], hex[*p & 15], '\0' };
            sbuf_add(b, enc);
        }
    }
}
