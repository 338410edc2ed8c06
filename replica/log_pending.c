/* replica: learned marks waiting to be written (see log_pending.h). */
#include "config.h"

#include <stdlib.h>

#include "replica/lmdb_util.h"
#include "replica/log_pending.h"

int
log_pending_add(struct log_pending *p, uint64_t position, unsigned char *rec,
    size_t len)
{
	struct log_pending_record *v;
	size_t cap;

	if (p->n == p->cap) {
		cap = p->cap ? p->cap * 2 : 16;
		if ((v = realloc(p->v, cap * sizeof(*v))) == NULL)
			return -1;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n].position = position;
	p->v[p->n].rec = rec;
	p->v[p->n].len = len;
	p->n++;
	return 0;
}

const struct log_pending_record *
log_pending_find(const struct log_pending *p, uint64_t position)
{
	for (size_t i = p->n; i > 0; i--)
		if (p->v[i - 1].position == position)
			return &p->v[i - 1];
	return NULL;
}

int
log_pending_put(const struct log_pending *p, MDB_txn *txn, MDB_dbi dbi)
{
	unsigned char key[8];
	MDB_val k = { sizeof(key), key }, v;
	int rc;

	for (size_t i = 0; i < p->n; i++) {
		lmdb_put_be64(key, p->v[i].position);
		v.mv_size = p->v[i].len;
		v.mv_data = p->v[i].rec;
		if ((rc = mdb_put(txn, dbi, &k, &v, 0)) != 0)
			return rc;
	}
	return 0;
}

void
log_pending_clear(struct log_pending *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i].rec);
	p->n = 0;
}

void
log_pending_free(struct log_pending *p)
{
	log_pending_clear(p);
	free(p->v);
	p->v = NULL;
	p->cap = 0;
}
