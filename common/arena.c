/*
 * A bump allocator (see arena.h). Chunks grow from 64 KiB to 1 MiB; an
 * allocation bigger than that gets a chunk of its own.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "common/arena.h"

#define FIRST_CHUNK	(64 * 1024)
#define LARGEST_CHUNK	(1024 * 1024)
#define ALIGN		16

struct arena_chunk {
	struct arena_chunk	*prev;
	size_t			 size, used;
	_Alignas(ALIGN) unsigned char data[];
};

struct arena {
	ProtobufCAllocator	 pa;
	struct arena_chunk	*top;
	size_t			 next_size;
};

static void *
pa_alloc(void *arena, size_t size)
{
	return arena_alloc(arena, size);
}

static void
pa_free(void *arena, void *p)
{
	(void)arena;
	(void)p;	/* everything goes with the arena */
}

struct arena *
arena_new(void)
{
	struct arena *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->pa.alloc = pa_alloc;
	a->pa.free = pa_free;
	a->pa.allocator_data = a;
	a->next_size = FIRST_CHUNK;
	return a;
}

void
arena_free(struct arena *a)
{
	struct arena_chunk *c, *prev;

	if (a == NULL)
		return;
	for (c = a->top; c != NULL; c = prev) {
		prev = c->prev;
		free(c);
	}
	free(a);
}

ProtobufCAllocator *
arena_allocator(struct arena *a)
{
	return &a->pa;
}

void *
arena_alloc(struct arena *a, size_t size)
{
	struct arena_chunk *c = a->top;
	size_t want = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1), chunk;

	if (want < size)
		return NULL;
	if (c == NULL || c->size - c->used < want) {
		chunk = a->next_size > want ? a->next_size : want;
		if ((c = malloc(sizeof(*c) + chunk)) == NULL)
			return NULL;
		c->prev = a->top;
		c->size = chunk;
		c->used = 0;
		a->top = c;
		if (a->next_size < LARGEST_CHUNK)
			a->next_size *= 2;
	}
	c->used += want;
	return c->data + c->used - want;
}

struct arena_mark
arena_mark(const struct arena *a)
{
	struct arena_mark m = { a->top, a->top != NULL ? a->top->used : 0 };

	return m;
}

void
arena_rollback(struct arena *a, struct arena_mark m)
{
	struct arena_chunk *prev;

	while (a->top != NULL && a->top != m.chunk) {
		prev = a->top->prev;
		free(a->top);
		a->top = prev;
	}
	if (a->top != NULL)
		a->top->used = m.used;
}
