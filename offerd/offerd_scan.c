/*
 * offerd: pages through one table of replica's store (STORE_QUERY), as
 * offerd does when it starts leading. Each record comes with the log
 * position its page reflects, so the caller can tell it from a newer
 * STORE_APPLIED event. A page that fails is asked for again.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "offerd/offerd.h"

#define SCAN_PAGE	5000
#define SCAN_TIMEOUT_MS	30000

struct store_scan {
	StoreTable	 table;
	offerd_scan_record_fn record;
	void		(*done)(void *);
	void		*arg;
	int		 cancelled;
};

static void	ask(struct store_scan *, const char *after);

static void
ask_again(evutil_socket_t fd, short what, void *arg)
{
	struct store_scan *s = arg;

	if (s->cancelled)
		free(s);
	else
		ask(s, NULL);
}

static void
page_done(const Envelope *reply, const char *error, void *arg)
{
	struct store_scan *s = arg;
	StoreQueryResponse *r;
	char *last = NULL;

	if (s->cancelled) {
		free(s);
		return;
	}
	if (reply == NULL || reply->type != MSG_TYPE__STORE_QUERY_RESPONSE ||
	    (r = (StoreQueryResponse *)ipc_body_decode(reply,
	    &store_query_response__descriptor)) == NULL) {
		log_warnx("cannot read table %d of the store: %s; trying "
		    "again", (int)s->table, error != NULL ? error :
		    "bad answer");
		ask(s, NULL);	/* from the start: records carry positions */
		return;
	}
	for (size_t i = 0; i < r->n_records; i++)
		s->record(r->records[i], r->applied, s->arg);
	if (r->more && r->n_records > 0)
		last = strdup(r->records[r->n_records - 1]->key);
	if (r->more && last != NULL)
		ask(s, last);
	else {
		s->done(s->arg);
		free(s);
	}
	free(last);
	store_query_response__free_unpacked(r, NULL);
}

static void
ask(struct store_scan *s, const char *after)
{
	StoreQueryRequest q = STORE_QUERY_REQUEST__INIT;
	static const struct timeval retry = { 1, 0 };

	q.table = s->table;
	q.after = (char *)(uintptr_t)after;
	q.has_limit = 1;
	q.limit = SCAN_PAGE;
	if (ipc_call(offerd_replica(), MSG_TYPE__STORE_QUERY_REQUEST, &q.base,
	    SCAN_TIMEOUT_MS, page_done, s) == 0)
		return;
	/* From the start again, in a second: records carry positions. */
	log_warnx("cannot ask replica for table %d", (int)s->table);
	if (event_base_once(offerd_base(), -1, EV_TIMEOUT, ask_again, s,
	    &retry) == -1)
		log_warnx("table %d of the store stays unread", (int)s->table);
}

struct store_scan *
offerd_scan(StoreTable table, offerd_scan_record_fn record,
    void (*done)(void *), void *arg)
{
	struct store_scan *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->table = table;
	s->record = record;
	s->done = done;
	s->arg = arg;
	ask(s, NULL);
	return s;
}

void
offerd_scan_cancel(struct store_scan *s)
{
	if (s != NULL)
		s->cancelled = 1;
}
