/*
 * The bridge between nng's threads and the process's libevent loop. nng
 * completes aio operations on its own threads; their callbacks only queue a
 * completion here and wake the loop with event_active(), which is safe from
 * any thread once evthread_use_pthreads() ran. Everything else happens on
 * the loop thread.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include <event2/thread.h>

#include "common/log.h"
#include "ipc/ipc.h"
#include "ipc/ipc_private.h"

static struct event_base *loop_base;
static struct event	*wake;
static pthread_mutex_t	 queue_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ipc_completion *queue_head, **queue_tail = &queue_head;
static Role		 self_role;
static struct ipc_stats	 stats;

static void
drain(evutil_socket_t fd, short what, void *arg)
{
	struct ipc_completion *list;

	pthread_mutex_lock(&queue_lock);
	list = queue_head;
	queue_head = NULL;
	queue_tail = &queue_head;
	pthread_mutex_unlock(&queue_lock);

	while (list != NULL) {
		struct ipc_completion *c = list;

		list = c->next;
		c->next = NULL;
		c->queued = 0;
		c->fn(c->arg);
	}
}

void
ipc_loop_post(struct ipc_completion *c)
{
	pthread_mutex_lock(&queue_lock);
	if (!c->queued) {
		c->queued = 1;
		*queue_tail = c;
		queue_tail = &c->next;
	}
	pthread_mutex_unlock(&queue_lock);
	event_active(wake, EV_READ, 0);
}

int
ipc_init(struct event_base *base, Role self)
{
	loop_base = base;
	self_role = self;
	if ((wake = event_new(base, -1, 0, drain, NULL)) == NULL)
		return -1;
	return 0;
}

void
ipc_shutdown(void)
{
	if (wake != NULL)
		event_free(wake);
	wake = NULL;
}

Role
ipc_self_role(void)
{
	return self_role;
}

struct ipc_stats *
ipc_stats_mut(void)
{
	return &stats;
}

const struct ipc_stats *
ipc_get_stats(void)
{
	return &stats;
}

struct event_base *
ipc_loop_base(void)
{
	return loop_base;
}

void
ipc_loop_cancel(struct ipc_completion *c)
{
	struct ipc_completion **pp;

	pthread_mutex_lock(&queue_lock);
	for (pp = &queue_head; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			if (queue_tail == &c->next)
				queue_tail = pp;
			c->next = NULL;
			c->queued = 0;
			break;
		}
	}
	pthread_mutex_unlock(&queue_lock);
}
