/*
 * replica: the table of broadcasts awaiting replies that every log
 * transport keeps (see log_net.h). Few broadcasts are in flight at once
 * (a round or two), so a list is enough.
 */
#include "config.h"

#include <stdlib.h>

#include "replica/log_net.h"

struct log_net_waiter {
	uint64_t		 handle;
	log_net_reply_fn	 fn;
	void			*arg;
	struct log_net_waiter	*next;
};

uint64_t
log_net_pending_add(struct log_net_pending *p, log_net_reply_fn fn, void *arg)
{
	struct log_net_waiter *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return 0;
	w->handle = ++p->last_handle;
	w->fn = fn;
	w->arg = arg;
	w->next = p->head;
	p->head = w;
	return w->handle;
}

void
log_net_pending_reply(struct log_net_pending *p, uint64_t handle,
    const LogFrame *reply)
{
	for (struct log_net_waiter *w = p->head; w != NULL; w = w->next)
		if (w->handle == handle) {
			w->fn(w->arg, reply);
			return;
		}
}

void
log_net_pending_remove(struct log_net_pending *p, uint64_t handle)
{
	struct log_net_waiter **pp, *w;

	for (pp = &p->head; (w = *pp) != NULL; pp = &w->next)
		if (w->handle == handle) {
			*pp = w->next;
			free(w);
			return;
		}
}

void
log_net_pending_clear(struct log_net_pending *p)
{
	struct log_net_waiter *w;

	while ((w = p->head) != NULL) {
		p->head = w->next;
		free(w);
	}
}
