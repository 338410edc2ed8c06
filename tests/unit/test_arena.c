/*
 * The bump allocator (common/arena.c): alignment, allocations larger than
 * a chunk, rolling back to a mark across chunks, and protobuf-c unpacking
 * into it (freeing an unpacked message through it does nothing).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "common/arena.h"
#include "ipc/api.pb-c.h"
#include "tests/unit/check.h"

static void
test_alloc_and_rollback(void)
{
	struct arena *a = arena_new();
	struct arena_mark m;
	unsigned char *p, *q, *big;

	CHECK(a != NULL);
	p = arena_alloc(a, 3);
	q = arena_alloc(a, 5);
	CHECK(p != NULL && q != NULL);
	CHECK((uintptr_t)p % 16 == 0 && (uintptr_t)q % 16 == 0);
	CHECK(q >= p + 3);
	memset(p, 1, 3);
	memset(q, 2, 5);
	m = arena_mark(a);
	/* Past the first chunk, then one bigger than any chunk. */
	for (int i = 0; i < 100; i++)
		CHECK(arena_alloc(a, 1000) != NULL);
	big = arena_alloc(a, 4 * 1024 * 1024);
	CHECK(big != NULL);
	memset(big, 3, 4 * 1024 * 1024);
	arena_rollback(a, m);
	/* What came before the mark is intact; the next allocation reuses. */
	CHECK(p[0] == 1 && p[2] == 1 && q[0] == 2 && q[4] == 2);
	CHECK((unsigned char *)arena_alloc(a, 8) == q + 16);
	arena_free(a);
}

static void
test_unpack(void)
{
	struct arena *a = arena_new();
	ScheduledTask t = SCHEDULED_TASK__INIT, *u;
	AssignedTask at = ASSIGNED_TASK__INIT;
	uint8_t buf[256];
	size_t len;

	at.taskid = (char *)(uintptr_t)"www-data-prod-hello-0-abc";
	at.has_instanceid = 1;
	at.instanceid = 7;
	t.assignedtask = &at;
	t.has_status = 1;
	t.status = SCHEDULE_STATUS__RUNNING;
	len = scheduled_task__pack(&t, buf);
	u = scheduled_task__unpack(arena_allocator(a), len, buf);
	CHECK(u != NULL && u->status == SCHEDULE_STATUS__RUNNING);
	CHECK(u != NULL && u->assignedtask != NULL &&
	    u->assignedtask->instanceid == 7);
	CHECK_STR(u != NULL && u->assignedtask ? u->assignedtask->taskid :
	    NULL, "www-data-prod-hello-0-abc");
	/* A no-op: the arena frees it. */
	scheduled_task__free_unpacked(u, arena_allocator(a));
	/* Bad bytes: NULL, and the arena stays usable. */
	CHECK(scheduled_task__unpack(arena_allocator(a), 3,
	    (const uint8_t *)"\x0a\xff\xff") == NULL);
	CHECK(arena_alloc(a, 10) != NULL);
	arena_free(a);
}

int
main(void)
{
	test_alloc_and_rollback();
	test_unpack();
	return check_done("test_arena");
}
