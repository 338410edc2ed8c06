/*
 * replica: watching a ZooKeeper directory's members (see zk_group.h).
 * Each listing starts a generation; data reads answered for an older one
 * are dropped, so a slow read never publishes a stale membership.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "replica/zk_group.h"

#define ZK_GROUP_RETRY_SECS	1

struct cached_member {
	char		*name;
	uint64_t	 seq;
	char		*data;		/* NULL until read */
	size_t		 len;
	int		 gone;		/* deleted before its data was read */
};

struct zk_group {
	struct zk		*zk;
	char			*dir;
	char			*prefix;
	int			 read_data;
	zk_group_fn		 fn;
	void			*arg;
	struct cached_member	*members;
	size_t			 n;
	unsigned		 generation;
	size_t			 pending;	/* reads outstanding */
	struct event		*retry;
};

struct member_read {
	struct zk_group	*g;
	unsigned	 generation;
	char		*name;
};

static void	list(struct zk_group *);

int
zk_member_seq(const char *name, uint64_t *seq)
{
	size_t n = strlen(name), digits = 0;

	while (digits < n && isdigit((unsigned char)name[n - 1 - digits]))
		digits++;
	/* ZooKeeper appends a 10-digit counter (it wraps to negative). */
	if (digits < 10)
		return -1;
	*seq = strtoull(name + n - 10, NULL, 10);
	return 0;
}

static void
free_members(struct cached_member *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].name);
		free(m[i].data);
	}
	free(m);
}

static void
publish(struct zk_group *g)
{
	struct zk_member *out;
	size_t k = 0;

	if ((out = calloc(g->n + 1, sizeof(*out))) == NULL) {
		log_warnx("out of memory reading ZooKeeper group %s", g->dir);
		return;
	}
	for (size_t i = 0; i < g->n; i++) {
		if (g->members[i].gone)
			continue;
		out[k].name = g->members[i].name;
		out[k].seq = g->members[i].seq;
		out[k].data = g->members[i].data != NULL ?
		    g->members[i].data : "";
		out[k].len = g->members[i].len;
		k++;
	}
	g->fn(out, k, g->arg);
	free(out);
}

static void
schedule_retry(struct zk_group *g)
{
	struct timeval tv = { ZK_GROUP_RETRY_SECS, 0 };

	evtimer_add(g->retry, &tv);
}

static void
retry_fired(evutil_socket_t fd, short what, void *arg)
{
	list(arg);
}

static void
watch_fired(void *arg)
{
	list(arg);
}

static struct cached_member *
find(struct cached_member *m, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(m[i].name, name) == 0)
			return &m[i];
	return NULL;
}

static void
member_read_done(int rc, const char *data, size_t len, void *arg)
{
	struct member_read *r = arg;
	struct zk_group *g = r->g;
	struct cached_member *m;

	if (r->generation == g->generation &&
	    (m = find(g->members, g->n, r->name)) != NULL) {
		if (rc == ZOK && (m->data = malloc(len + 1)) != NULL) {
			memcpy(m->data, data, len + 1);
			m->len = len;
		} else
			m->gone = 1;	/* deleted meanwhile, or unreadable */
		if (--g->pending == 0)
			publish(g);
	}
	free(r->name);
	free(r);
}

static int
by_seq(const void *a, const void *b)
{
	const struct cached_member *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
read_member(struct zk_group *g, struct cached_member *m)
{
	struct member_read *r;
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", strcmp(g->dir, "/") == 0 ?
	    "" : g->dir, m->name);
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->name = strdup(m->name)) == NULL) {
		free(r);
		m->gone = 1;
		g->pending--;
		return;
	}
	r->g = g;
	r->generation = g->generation;
	if (zk_get(g->zk, path, member_read_done, r) == -1) {
		free(r->name);
		free(r);
		m->gone = 1;
		g->pending--;
	}
}

static void
listed(int rc, char *const *names, size_t n, void *arg)
{
	struct zk_group *g = arg;
	struct cached_member *next, *old;
	size_t k = 0, reads;
	uint64_t seq;

	if (rc != ZOK) {
		if (rc != ZNONODE)
			log_warnx("cannot list ZooKeeper group %s: %s", g->dir,
			    zerror(rc));
		schedule_retry(g);
		return;
	}
	if ((next = calloc(n + 1, sizeof(*next))) == NULL) {
		schedule_retry(g);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if ((g->prefix != NULL && strncmp(names[i], g->prefix,
		    strlen(g->prefix)) != 0) ||
		    zk_member_seq(names[i], &seq) == -1)
			continue;
		if ((next[k].name = strdup(names[i])) == NULL)
			continue;
		next[k].seq = seq;
		/* Members' data never changes: keep what was read before. */
		if ((old = find(g->members, g->n, names[i])) != NULL &&
		    old->data != NULL) {
			next[k].data = old->data;
			next[k].len = old->len;
			old->data = NULL;
		}
		k++;
	}
	qsort(next, k, sizeof(*next), by_seq);
	free_members(g->members, g->n);
	g->members = next;
	g->n = k;
	g->generation++;
	reads = 0;
	for (size_t i = 0; i < k; i++)
		if (g->read_data && next[i].data == NULL)
			reads++;
	g->pending = reads;
	for (size_t i = 0; i < k && reads > 0; i++)
		if (g->read_data && next[i].data == NULL)
			read_member(g, &next[i]);
	if (g->pending == 0)
		publish(g);
}

static void
list(struct zk_group *g)
{
	if (zk_children(g->zk, g->dir, watch_fired, g, listed, g) == -1)
		schedule_retry(g);
}

struct zk_group *
zk_group_watch(struct event_base *base, struct zk *zk, const char *dir,
    const char *prefix, int read_data, zk_group_fn fn, void *arg)
{
	struct zk_group *g;

	if ((g = calloc(1, sizeof(*g))) == NULL ||
	    (g->dir = strdup(dir)) == NULL ||
	    (prefix != NULL && (g->prefix = strdup(prefix)) == NULL) ||
	    (g->retry = evtimer_new(base, retry_fired, g)) == NULL) {
		zk_group_free(g);
		return NULL;
	}
	g->zk = zk;
	g->read_data = read_data;
	g->fn = fn;
	g->arg = arg;
	list(g);
	return g;
}

void
zk_group_refresh(struct zk_group *g)
{
	evtimer_del(g->retry);
	list(g);
}

void
zk_group_free(struct zk_group *g)
{
	if (g == NULL)
		return;
	if (g->retry != NULL)
		event_free(g->retry);
	free_members(g->members, g->n);
	free(g->dir);
	free(g->prefix);
	free(g);
}
