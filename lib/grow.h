/* grow: room in a malloc'd array that grows by doubling, the one way cchc's C grows its buffers
 * of rows, events and rejections. */
#ifndef CCHC_GROW_H
#define CCHC_GROW_H

#include <stddef.h>

/* Makes *p (capacity *cap elements of `size` bytes) hold at least `need` elements: doubles from
 * 16, never shrinks. Returns 0, or -1 when memory runs out or the size overflows (*p and *cap
 * unchanged, still valid). */
int grow_array(void **p, size_t *cap, size_t need, size_t size);

#endif
