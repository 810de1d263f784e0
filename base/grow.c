/* grow: one more element at the end of an array; see grow.h. */
#include "base/grow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *
grow_one(void *itemsp, size_t n, size_t size)
{
    void *items, *grown;

    if (size == 0 || n >= SIZE_MAX / size - 1)
        return NULL;
    /* The array pointer is read and written as bytes, whatever its
     * pointed-to type. */
    memcpy(&items, itemsp, sizeof(items));
    grown = realloc(items, (n + 1) * size);
    if (grown == NULL)
        return NULL;
    memcpy(itemsp, &grown, sizeof(grown));
    memset((char *)grown + n * size, 0, size);
    return (char *)grown + n * size;
}
