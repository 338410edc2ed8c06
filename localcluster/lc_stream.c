/*
 * aurora-local-cluster: the SUBSCRIBE streams. Each subscribed framework
 * holds one HTTP response open, and every event it gets (SUBSCRIBED,
 * OFFERS, UPDATE, HEARTBEAT) goes down it as one RecordIO record of a
 * packed mesos.v1.scheduler.Event in a chunk. A new SUBSCRIBE for the same
 * framework closes the old stream; a stream that closes takes the
 * framework's outstanding offers with it, not its tasks.
 */
#include "config.h"

#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "common/bytebuf.h"
#include "common/log.h"
#include "common/recordio.h"
#include "localcluster/localcluster.h"

static void
stream_cleanup(struct lc_stream *s)
{
	struct lc_framework *fw = s->fw;

	event_free(s->heartbeat);
	if (fw->stream == s)
		fw->stream = NULL;
	lc_offers_rescind(fw);
	free(s);
}

/*
 * libevent is freeing the connection: the peer hung up (while it writes a
 * response, libevent keeps reading the connection only to see it close),
 * or a write failed. Either way the unfinished response is detached from
 * the connection and left to us to free.
 */
static void
stream_closed(struct evhttp_connection *evcon, void *arg)
{
	struct lc_stream *s = arg;

	log_info("framework %s: stream %s closed", s->fw->id, s->id);
	if (evhttp_request_get_connection(s->req) == NULL)
		evhttp_send_reply_end(s->req);
	stream_cleanup(s);
}

/* Our end: the connection goes, and the response with it. */
void
lc_stream_close(struct lc_stream *s)
{
	struct evhttp_connection *evcon = s->evcon;

	log_info("framework %s: closing stream %s", s->fw->id, s->id);
	evhttp_connection_set_closecb(evcon, NULL, NULL);
	stream_cleanup(s);
	evhttp_connection_free(evcon);
}

int
lc_stream_send(struct lc_framework *fw, const Mesos__V1__Event *ev)
{
	struct lc_stream *s = fw->stream;
	struct evbuffer *out;
	struct bytebuf b;
	uint8_t *packed;
	size_t len;

	if (s == NULL)
		return -1;
	len = mesos__v1__event__get_packed_size(ev);
	packed = xmalloc(len);
	mesos__v1__event__pack(ev, packed);
	bytebuf_init(&b);
	recordio_write(&b, packed, len);
	free(packed);
	if (b.failed || (out = evbuffer_new()) == NULL ||
	    evbuffer_add(out, b.data, b.len) == -1)
		fatalx("out of memory");
	bytebuf_free(&b);
	evhttp_send_reply_chunk(s->req, out);
	evbuffer_free(out);
	return 0;
}

static void
heartbeat(evutil_socket_t fd, short what, void *arg)
{
	struct lc_stream *s = arg;
	Mesos__V1__Event ev = MESOS__V1__EVENT__INIT;

	ev.has_type = 1;
	ev.type = MESOS__V1__EVENT__TYPE__HEARTBEAT;
	lc_stream_send(s->fw, &ev);
}

static void
send_subscribed(struct lc_framework *fw)
{
	Mesos__V1__Event ev = MESOS__V1__EVENT__INIT;
	Mesos__V1__Event__Subscribed sd = MESOS__V1__EVENT__SUBSCRIBED__INIT;
	Mesos__V1__FrameworkID fid = MESOS__V1__FRAMEWORK_ID__INIT;
	Mesos__V1__MasterInfo mi = MESOS__V1__MASTER_INFO__INIT;
	Mesos__V1__Address addr = MESOS__V1__ADDRESS__INIT;
	struct in_addr in;
	char pid[128];

	if (inet_pton(AF_INET, lc.conf.ip, &in) != 1)
		in.s_addr = htonl(INADDR_LOOPBACK);
	snprintf(pid, sizeof(pid), "master@%s:%d", lc.conf.ip, lc.conf.port);
	fid.value = fw->id;
	/* Like Mesos: the address as it sits in memory, network order. */
	mi.id = lc.master_id;
	mi.ip = in.s_addr;
	mi.port = (uint32_t)lc.conf.port;
	mi.pid = pid;
	mi.hostname = lc.hostname;
	addr.hostname = lc.hostname;
	addr.ip = LC_UNCONST(lc.conf.ip);
	addr.port = lc.conf.port;
	mi.address = &addr;
	sd.framework_id = &fid;
	sd.has_heartbeat_interval_seconds = 1;
	sd.heartbeat_interval_seconds = lc.conf.heartbeat_s;
	sd.master_info = &mi;
	ev.has_type = 1;
	ev.type = MESOS__V1__EVENT__TYPE__SUBSCRIBED;
	ev.subscribed = &sd;
	lc_stream_send(fw, &ev);
}

void
lc_stream_subscribe(struct evhttp_request *req, const Mesos__V1__Call *call)
{
	const Mesos__V1__Call__Subscribe *sub = call->subscribe;
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct lc_framework *fw;
	struct lc_stream *s;
	struct timeval tv;
	size_t i;

	fw = lc_framework_get(sub->framework_info);
	if (fw->stream != NULL) {
		log_info("framework %s: a new SUBSCRIBE replaces stream %s",
		    fw->id, fw->stream->id);
		lc_stream_close(fw->stream);
	}
	/* As of Mesos 1.9, a SUBSCRIBE sets which roles are suppressed. */
	fw->suppressed = false;
	for (i = 0; i < sub->n_suppressed_roles; i++)
		if (strcmp(sub->suppressed_roles[i], fw->role) == 0)
			fw->suppressed = true;

	s = xcalloc(1, sizeof(*s));
	s->fw = fw;
	s->req = req;
	s->evcon = evhttp_request_get_connection(req);
	lc_uuid_str(s->id);
	tv.tv_sec = (time_t)lc.conf.heartbeat_s;
	tv.tv_usec = (suseconds_t)((lc.conf.heartbeat_s - (double)tv.tv_sec) *
	    1e6);
	if ((s->heartbeat = event_new(lc.base, -1, EV_PERSIST, heartbeat,
	    s)) == NULL || evtimer_add(s->heartbeat, &tv) == -1)
		fatalx("stream events");
	evhttp_add_header(h, "Content-Type", "application/x-protobuf");
	evhttp_add_header(h, "Mesos-Stream-Id", s->id);
	evhttp_add_header(h, "Cache-Control", "no-cache");
	evhttp_send_reply_start(req, HTTP_OK, "OK");
	evhttp_connection_set_closecb(s->evcon, stream_closed, s);
	fw->stream = s;
	log_info("framework %s (%s, user %s): SUBSCRIBED on stream %s%s",
	    fw->id, fw->name, fw->user, s->id,
	    fw->suppressed ? ", suppressed" : "");
	send_subscribed(fw);
	lc_tasks_resend(fw);
	if (!fw->suppressed)
		lc_allocate_soon();
}
