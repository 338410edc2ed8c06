/*
 * tests/unit/lc_client: a Mesos v1 scheduler's side of the local cluster's
 * API, for lc_check: plain HTTP over blocking sockets (poll() bounds every
 * wait), the SUBSCRIBE stream de-chunked and de-framed into what came
 * (offers, updates, heartbeats), the calls, and /state.json. The program
 * that links it defines check(), which it calls on a broken stream.
 */
#ifndef TESTS_UNIT_LC_CLIENT_H
#define TESTS_UNIT_LC_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/recordio.h"
#include "ipc/mesos.pb-c.h"

#define UNCONST(s)	((char *)(uintptr_t)(s))
#define S(x)		MESOS__V1__TASK_STATE__TASK_##x

extern int	 lcc_port;	/* of the local cluster on 127.0.0.1 */

/* When set, the body of every call made is kept here too. */
struct lcc_bodies {
	uint8_t		**v;
	size_t		 *len;
	size_t		  n;
};
extern struct lcc_bodies *lcc_capture;

/* Defined by the program: one check, printed as "ok: ..." or "FAIL: ...". */
void	 check(bool, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

struct lcc_resp {
	int		 status;
	char		 headers[4096];
	char		*body;		/* NUL-terminated */
	size_t		 len;
};

struct lcc_upd {
	char		 task[128];
	char		 agent[128];
	int		 state;
	char		 msg[512];
	bool		 has_uuid;
	uint8_t		 uuid[16];
	int		 reason;	/* -1: none */
	int		 source;
	bool		 has_timestamp;
};

struct lcc_offer {
	char		 id[128];
	char		 agent[128];
	char		 host[128];
	double		 cpus, mem, disk;
	uint64_t	 port_begin, port_end;
	size_t		 nranges;
	char		 attrs[512];	/* name=value,name=value */
};

struct lcc_stream {
	int		 fd;
	int		 status;
	char		 id[256];
	char		 ctype[128];
	char		 fw_id[256];
	bool		 chunked;
	bool		 eof;
	char		*raw;		/* bytes not yet de-chunked */
	size_t		 rlen, rcap;
	size_t		 chunk_left;	/* of the chunk being read */
	bool		 in_chunk;
	struct recordio_reader rio;
	/* What came. */
	int		 first_type;
	bool		 subscribed;
	double		 heartbeat_s;
	uint32_t	 master_port;
	size_t		 heartbeats;
	size_t		 offer_events;
	size_t		 max_offers_per_event;
	struct lcc_offer	*offers;
	size_t		 noffers;
	struct lcc_upd	*upds;
	size_t		 nupds;
};

struct lcc_task {
	const char	*id;
	const char	*cmd;
	double		 cpus, mem;
	const char	*env_name, *env_value;
	int64_t		 grace_ms;	/* -1: no kill policy */
	bool		 docker;
	bool		 no_shell;	/* cmd is a program alone */
};

int64_t	 lcc_now_ms(void);
void	 lcc_resp_free(struct lcc_resp *);
/* A whole request on a connection of its own; the status, -1 if none. */
int	 lcc_http(const char *method, const char *path, const char *ctype,
	    const char *stream_id, const void *body, size_t len,
	    struct lcc_resp *);
/* /state.json, or a part of it (new references; NULL if absent). */
json_t	*lcc_state(void);
json_t	*lcc_state_task(const char *id);
json_t	*lcc_state_framework(const char *id);
long	 lcc_task_pid(const char *id);

/* SUBSCRIBE (a new framework if fw_id is NULL); 0 once SUBSCRIBED came. */
int	 lcc_subscribe(struct lcc_stream *, const char *fw_id,
	    bool partition_aware);
void	 lcc_close(struct lcc_stream *);
/* Reads and records one event: 1, 0 on timeout, -1 at the end. */
int	 lcc_pump(struct lcc_stream *, int ms);
/* Records events for ms, or until the stream ends. */
void	 lcc_drain(struct lcc_stream *, int ms);
/* The first offer recorded at or after index from, waiting up to ms. */
const struct lcc_offer *lcc_wait_offer(struct lcc_stream *, size_t from,
	    int ms);
/* task's update in state (-1: any) at or after index from. */
const struct lcc_upd *lcc_find_upd(const struct lcc_stream *, size_t from,
	    const char *task, int state);
const struct lcc_upd *lcc_wait_upd(struct lcc_stream *, size_t from,
	    const char *task, int state, int ms);

/* Calls on the stream's behalf: the HTTP status (lcc_call checks 202). */
int	 lcc_post(struct lcc_stream *, Mesos__V1__Call *, struct lcc_resp *);
int	 lcc_post_raw(struct lcc_stream *, const void *, size_t,
	    struct lcc_resp *);
int	 lcc_call(struct lcc_stream *, Mesos__V1__Call *);
void	 lcc_ack(struct lcc_stream *, const struct lcc_upd *);
void	 lcc_ack_all(struct lcc_stream *, size_t from);
/* ACCEPT of one offer launching these tasks; refuse < 0: no filters. */
int	 lcc_accept(struct lcc_stream *, const char *offer_id,
	    const char *agent_id, const struct lcc_task *, size_t n,
	    double refuse);
int	 lcc_decline(struct lcc_stream *, const char *offer_id,
	    double refuse);
int	 lcc_simple(struct lcc_stream *, Mesos__V1__Call__Type);
int	 lcc_kill(struct lcc_stream *, const char *id);
int	 lcc_reconcile(struct lcc_stream *, const char *const *ids,
	    size_t n);

const char *lcc_state_name(int);
bool	 lcc_gone(long pid);
bool	 lcc_wait_gone(long pid, int ms);
char	*lcc_read_file(const char *path);

#endif
