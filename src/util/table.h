/*
 * table.h: bounded tables whose entries carry a time stamp and where a newcomer, when the
 * table is full, takes the place of the entry with the oldest stamp (multicast subscribers,
 * the networks a controller configured a peer for, ...).  The table is the caller's array;
 * this only says where an entry goes.
 */
#ifndef ZT_UTIL_TABLE_H
#define ZT_UTIL_TABLE_H

#include <stdbool.h>
#include <stddef.h>

/* True when |entry| is the one |key| names. */
typedef bool zt_table_match(const void *entry, const void *key);

/*
 * Where |key| goes in |base|, an array of |count| entries of |size| bytes with room for
 * |max|: the first entry |match| accepts (*pfound true); else |count|, a new entry at the end,
 * when count < max; else the first entry with the smallest stamp, the int64_t at byte offset
 * |stamp_off| of each entry.  The caller writes the entry (and counts the new one).
 */
size_t zt__table_slot(const void *base, size_t count, size_t max, size_t size,
                      size_t stamp_off, zt_table_match *match, const void *key, bool *pfound);

#endif
