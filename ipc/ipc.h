/*
 * IPC between the scheduler's processes over nng sockets in -run_dir.
 *
 * Every message is one Envelope (envelope.proto). Servers are nng rep
 * sockets served through several contexts, so one slow request never blocks
 * the others; clients are nng req sockets with one context per call; replica
 * publishes changes on a pub socket. nng runs its own threads: their
 * completions are queued and handed to the process's one libevent loop, so
 * every handler and reply callback runs on the loop thread.
 *
 * A receiver checks each message: it must decode, name known enums, not be
 * past its deadline, and come from a sender allowed to send that type (see
 * struct ipc_allow). A peer whose uid differs from ours can only be httpd.
 * Failures are logged, counted (ipc_stats) and answered with an IpcError.
 */
#ifndef IPC_IPC_H
#define IPC_IPC_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <protobuf-c/protobuf-c.h>

#include "ipc/envelope.pb-c.h"

#define IPC_MAX_MSG		(4 * 1024 * 1024)	/* bytes, any message */
#define IPC_SERVER_CONTEXTS	256	/* requests served at once per server */

/* One allowed (sender, message type) pair of a receiver's table. */
struct ipc_allow {
	Role	sender;
	MsgType	type;
};

/* Counters of this process, exported in /vars as ipc_<name>. */
struct ipc_stats {
	uint64_t requests_served;
	uint64_t malformed_messages;
	uint64_t unexpected_messages;
	uint64_t expired_messages;
	uint64_t calls_sent;
	uint64_t call_failures;
	uint64_t events_published;
	uint64_t events_received;
	uint64_t events_ignored;	/* of a type nobody here subscribed to */
	uint64_t listener_restarts;	/* listened again (ipc_listener.c) */
};

/* Binds IPC to the process's loop and role; call once before any socket. */
int	ipc_init(struct event_base *, Role self);
void	ipc_shutdown(void);
const struct ipc_stats *ipc_get_stats(void);
Role	ipc_self_role(void);
const char *ipc_role_name(Role);

/* CLOCK_MONOTONIC in milliseconds: deadlines are on this clock. */
int64_t	ipc_now_ms(void);

/*
 * Envelope codec (pure; used by the sockets, the tests and the fuzzer).
 * Encoding fails (-1) with errno EMSGSIZE past IPC_MAX_MSG.
 */
int	ipc_envelope_encode(MsgType, uint64_t request_id, Role sender,
	    int64_t deadline_ms, const ProtobufCMessage *body, uint8_t **buf,
	    size_t *len);
/* Decodes and checks enum ranges; NULL with err filled if malformed. */
Envelope *ipc_envelope_decode(const uint8_t *buf, size_t len, char *err,
	    size_t errlen);
/*
 * Checks an envelope against a receiver's table. peer_trusted is 0 when the
 * peer runs under another uid than ours (then it may only claim HTTPD).
 * Returns IPC_ERROR_CODE__NO_ERROR or the code to answer with.
 */
IpcErrorCode ipc_envelope_check(const Envelope *, const struct ipc_allow *,
	    size_t nallow, int peer_trusted, int64_t now_ms, char *err,
	    size_t errlen);
/* Decodes an envelope's body as the given message; NULL if malformed. */
ProtobufCMessage *ipc_body_decode(const Envelope *,
	    const ProtobufCMessageDescriptor *);
/* The same into alloc (an arena's, say); NULL alloc is malloc. */
ProtobufCMessage *ipc_body_decode_in(const Envelope *,
	    const ProtobufCMessageDescriptor *, ProtobufCAllocator *alloc);

/* Servers (rep). */
struct ipc_server;
struct ipc_request;
typedef void (*ipc_handler_fn)(struct ipc_request *, void *arg);

struct ipc_server *ipc_server_listen(const char *url,
	    const struct ipc_allow *allow, size_t nallow, ipc_handler_fn,
	    void *arg);
void	ipc_server_close(struct ipc_server *);
const Envelope *ipc_request_envelope(const struct ipc_request *);
/* Each request is answered exactly once, now or later, from the loop. */
int	ipc_reply(struct ipc_request *, MsgType, const ProtobufCMessage *body);
int	ipc_reply_error(struct ipc_request *, IpcErrorCode, const char *msg);

/* Clients (req). The callback gets the reply, or NULL and a reason. */
struct ipc_client;
typedef void (*ipc_reply_fn)(const Envelope *reply, const char *error,
	    void *arg);

/* Requests unanswered after a second are sent again (a peer restarted). */
struct ipc_client *ipc_client_dial(const char *url);
/*
 * Each request is sent once: for writes, which must not apply twice. One
 * lost with a restarting peer fails at its deadline.
 */
struct ipc_client *ipc_client_dial_once(const char *url);
void	ipc_client_close(struct ipc_client *);
/* 1 while a connection to the server is open. */
int	ipc_client_connected(const struct ipc_client *);
int	ipc_call(struct ipc_client *, MsgType, const ProtobufCMessage *body,
	    int timeout_ms, ipc_reply_fn, void *arg);

/* Publish/subscribe. */
struct ipc_pub;
struct ipc_sub;
typedef void (*ipc_event_fn)(const Envelope *, void *arg);

struct ipc_pub *ipc_pub_listen(const char *url);
/* -1 with errno EMSGSIZE when body is too big for one message. */
int	ipc_publish(struct ipc_pub *, MsgType, const ProtobufCMessage *body);
void	ipc_pub_close(struct ipc_pub *);
struct ipc_sub *ipc_sub_dial(const char *url, const struct ipc_allow *,
	    size_t nallow, ipc_event_fn, void *arg);
void	ipc_sub_close(struct ipc_sub *);

/*
 * Sockets live in <run_dir>/httpd/ipc/<name>.ipc: <run_dir>/httpd is httpd's
 * chroot, so httpd dials them as /ipc/<name>.ipc after chrooting. root is
 * "<run_dir>/httpd" outside the chroot and "" inside it.
 */
int	ipc_url(char *buf, size_t len, const char *root, const char *name);

#endif
