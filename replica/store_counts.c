/*
 * replica: how many stored tasks are in each state (/vars task_store_*).
 * Counted once by a scan of the tasks table, then kept up to date by
 * every apply, so /vars costs nothing however many tasks are stored (a
 * scan of 100,000 tasks held the replica's loop for over 100 ms).
 *
 * The state of a stored task is read straight from its packed bytes
 * (ScheduledTask.status, field 2) instead of unpacking the whole task.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "common/proto_wire.h"
#include "replica/store_internal.h"

#define STATUS_FIELD	2	/* ScheduledTask.status */

int
store_task_status(const void *data, size_t len)
{
	const ScheduledTask init = SCHEDULED_TASK__INIT;
	uint64_t v;

	switch (proto_wire_varint(data, len, STATUS_FIELD, &v)) {
	case 1:
		return (int)v;
	case 0:
		return (int)init.status;	/* absent: the field's default */
	default:
		return -1;
	}
}

void
store_counts_move(struct task_counts *c, int from, int to)
{
	if (from >= 0 && from < STORE_STATUS_SLOTS)
		c->n[from]--;
	if (to >= 0 && to < STORE_STATUS_SLOTS)
		c->n[to]++;
}

void
store_counts_add(struct task_counts *into, const struct task_counts *d)
{
	for (size_t i = 0; i < STORE_STATUS_SLOTS; i++)
		into->n[i] += d->n[i];
}

static int
count_one(void *arg, const char *key, size_t keylen, const void *value,
    size_t len)
{
	(void)key;
	(void)keylen;
	store_counts_move(arg, -1, store_task_status(value, len));
	return 0;
}

int
store_task_counts(struct store *s, int64_t *counts, size_t n, char *err,
    size_t errlen)
{
	struct task_counts fresh;
	int more;

	if (!s->counts_valid) {
		memset(&fresh, 0, sizeof(fresh));
		if (store_scan(s, STORE_TASKS, "", "", SIZE_MAX, count_one,
		    &fresh, &more, err, errlen) == -1)
			return -1;
		s->counts = fresh;
		s->counts_valid = 1;
	}
	for (size_t i = 0; i < n; i++)
		counts[i] = i < STORE_STATUS_SLOTS ? s->counts.n[i] : 0;
	return 0;
}
