/*
 * common: the two Thrift wire protocols Aurora's /api speaks, behind one
 * interface shaped like Thrift's own TProtocol, so that one walker
 * (thrift_codec.c) maps protobuf messages onto either.
 *
 * thrift_binary.c is TBinaryProtocol (what the Python client sends);
 * thrift_json.c is TJSONProtocol (what the web UI's thrift.js sends).
 * Readers never trust the input: every size is checked against what is
 * left, and the first problem stops the read with a message in err.
 */
#ifndef COMMON_THRIFT_PROTOCOL_H
#define COMMON_THRIFT_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bytebuf.h"

/* Thrift's type ids, as on the wire of the binary protocol. */
enum thrift_type {
	THRIFT_STOP = 0,
	THRIFT_BOOL = 2,
	THRIFT_BYTE = 3,
	THRIFT_DOUBLE = 4,
	THRIFT_I16 = 6,
	THRIFT_I32 = 8,
	THRIFT_I64 = 10,
	THRIFT_STRING = 11,	/* also binary */
	THRIFT_STRUCT = 12,
	THRIFT_MAP = 13,
	THRIFT_SET = 14,
	THRIFT_LIST = 15,
};

enum thrift_message_type {
	THRIFT_CALL = 1,
	THRIFT_REPLY = 2,
	THRIFT_EXCEPTION = 3,
	THRIFT_ONEWAY = 4,
};

enum thrift_protocol {
	THRIFT_PROTOCOL_JSON,
	THRIFT_PROTOCOL_BINARY,
};

#define THRIFT_ERR_LEN	256

struct thrift_writer;
struct thrift_reader;

struct thrift_writer_ops {
	void	(*message_begin)(struct thrift_writer *, const char *name,
		    enum thrift_message_type, int32_t seqid);
	void	(*message_end)(struct thrift_writer *);
	void	(*struct_begin)(struct thrift_writer *);
	void	(*struct_end)(struct thrift_writer *);
	void	(*field_begin)(struct thrift_writer *, enum thrift_type,
		    int16_t id);
	void	(*field_end)(struct thrift_writer *);
	void	(*field_stop)(struct thrift_writer *);
	/* kind is LIST, SET or MAP; vtype is only read for a MAP. */
	void	(*container_begin)(struct thrift_writer *, enum thrift_type kind,
		    enum thrift_type ktype, enum thrift_type vtype, uint32_t n);
	void	(*container_end)(struct thrift_writer *, enum thrift_type kind);
	void	(*write_bool)(struct thrift_writer *, bool);
	/* BYTE, I16, I32 or I64. */
	void	(*write_int)(struct thrift_writer *, enum thrift_type, int64_t);
	void	(*write_double)(struct thrift_writer *, double);
	void	(*write_string)(struct thrift_writer *, const void *, size_t,
		    bool binary);
};

/* JSON needs to know where it is to place separators and quote keys. */
#define THRIFT_JSON_MAX_DEPTH	256

struct thrift_writer {
	const struct thrift_writer_ops	*ops;
	struct bytebuf			*out;
	int				 depth;
	struct {
		uint8_t	kind;	/* JSON context: base, list or pair */
		uint8_t	first;
		uint8_t	colon;	/* pair: next separator is ':' (a key) */
	} ctx[THRIFT_JSON_MAX_DEPTH];
	bool				 overflow;
};

struct thrift_reader_ops {
	int	(*message_begin)(struct thrift_reader *, char **name,
		    enum thrift_message_type *, int32_t *seqid);
	int	(*message_end)(struct thrift_reader *);
	int	(*struct_begin)(struct thrift_reader *);
	int	(*struct_end)(struct thrift_reader *);
	/* Sets *type to THRIFT_STOP after the struct's last field. */
	int	(*field_begin)(struct thrift_reader *, enum thrift_type *,
		    int16_t *id);
	int	(*field_end)(struct thrift_reader *);
	/* kind is what the field said (LIST, SET or MAP). */
	int	(*container_begin)(struct thrift_reader *, enum thrift_type kind,
		    enum thrift_type *ktype, enum thrift_type *vtype,
		    uint32_t *n);
	int	(*container_end)(struct thrift_reader *);
	int	(*read_bool)(struct thrift_reader *, bool *);
	int	(*read_int)(struct thrift_reader *, enum thrift_type, int64_t *);
	int	(*read_double)(struct thrift_reader *, double *);
	/* A malloc'ed copy with a NUL after the bytes. */
	int	(*read_string)(struct thrift_reader *, char **, size_t *,
		    bool binary);
	bool	(*at_end)(struct thrift_reader *);
	void	(*release)(struct thrift_reader *);
};

struct thrift_reader {
	const struct thrift_reader_ops	*ops;
	char				 err[THRIFT_ERR_LEN];
	/* Where err happened, as a field path ("taskConfig.resources[2]"). */
	char				 path[THRIFT_ERR_LEN];
	char				 full[2 * THRIFT_ERR_LEN + 4];
	void				*impl;	/* the protocol's own state */
};

/* Writers append to out; check out->failed (and the return) at the end. */
void	thrift_binary_writer_init(struct thrift_writer *, struct bytebuf *out);
void	thrift_json_writer_init(struct thrift_writer *, struct bytebuf *out);
void	thrift_writer_init(struct thrift_writer *, enum thrift_protocol,
	    struct bytebuf *out);
/* 0, or -1 if the buffer could not grow or nesting was too deep. */
int	thrift_writer_finish(struct thrift_writer *);

/*
 * Readers read from buf, which must outlive them. The JSON reader parses
 * the whole text first (jansson) and can fail there: it returns -1 with a
 * message in err. thrift_reader_free releases what the reader holds.
 */
int	thrift_binary_reader_init(struct thrift_reader *, const void *buf,
	    size_t len);
int	thrift_json_reader_init(struct thrift_reader *, const void *buf,
	    size_t len);
int	thrift_reader_init(struct thrift_reader *, enum thrift_protocol,
	    const void *buf, size_t len);
void	thrift_reader_free(struct thrift_reader *);
/* After a read: bytes (binary) or values (JSON) left unread. */
bool	thrift_reader_at_end(struct thrift_reader *);

/* Formats into r->err and returns -1, for the one-line error paths. */
int	thrift_fail(struct thrift_reader *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
const char *thrift_type_name(enum thrift_type);
/* Puts a segment ("name" or "[3]") in front of the error's path. */
void	thrift_path_prepend(struct thrift_reader *, const char *segment);
/* The error with its path: "taskConfig.resources[2]: expected ...". */
const char *thrift_reader_error(struct thrift_reader *);

#endif
