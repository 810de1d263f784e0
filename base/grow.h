/*
 * grow: room for one more element at the end of a heap array, the one
 * append that the tree used to write out by hand at every array it builds.
 */
#ifndef KRB5EXP_GROW_H
#define KRB5EXP_GROW_H

#include <stddef.h>

/*
 * itemsp points to an array pointer (a `struct x **`) whose array holds n
 * elements of size bytes.  Reallocate it to hold n + 1, zero the new
 * element and return it (element n; the caller counts it once filled).
 * Returns NULL, with the array as it was, when out of memory or when the
 * size would overflow.
 */
void *grow_one(void *itemsp, size_t n, size_t size);

#endif
