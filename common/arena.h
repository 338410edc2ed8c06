/*
 * A bump allocator for messages that all die together: protobuf-c
 * unpacks into it through arena_allocator(), nothing is freed one by one,
 * and arena_free drops everything at once. A mark taken before an unpack
 * can undo it (a task read only to be filtered out).
 */
#ifndef COMMON_ARENA_H
#define COMMON_ARENA_H

#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

struct arena;
struct arena_chunk;

struct arena_mark {
	struct arena_chunk	*chunk;
	size_t			 used;
};

/* NULL when out of memory. */
struct arena	*arena_new(void);
void		 arena_free(struct arena *);
/* protobuf-c's allocator interface; its free does nothing. */
ProtobufCAllocator *arena_allocator(struct arena *);
/* Zeroed-or-not memory, 16-byte aligned; NULL when out of memory. */
void		*arena_alloc(struct arena *, size_t);
struct arena_mark arena_mark(const struct arena *);
/* Forgets everything allocated since the mark. */
void		 arena_rollback(struct arena *, struct arena_mark);

#endif
