/*
 * common: the methods of Aurora's scheduler API (api.thrift's services
 * ReadOnlyScheduler, AuroraSchedulerManager and AuroraAdmin), each with the
 * protobuf message holding its arguments (ipc/api_calls.proto). The answer
 * of every method is a Response.
 */
#ifndef COMMON_AURORA_API_H
#define COMMON_AURORA_API_H

#include <protobuf-c/protobuf-c.h>

#include "ipc/api.pb-c.h"

enum aurora_api_service {
	AURORA_API_READ_ONLY,	/* ReadOnlyScheduler */
	AURORA_API_MANAGER,	/* AuroraSchedulerManager */
	AURORA_API_ADMIN,	/* AuroraAdmin */
};

struct aurora_api_method {
	const char				*name;
	const ProtobufCMessageDescriptor	*args;
	enum aurora_api_service			 service;
};

/* NULL for a name none of the services has. */
const struct aurora_api_method *aurora_api_method(const char *name);

/* The table, ending with a NULL name, in api.thrift's order. */
extern const struct aurora_api_method aurora_api_methods[];

/*
 * A Response under construction, with what it points to: the
 * serverInfo Aurora puts in every answer (-cluster_name) and room for one
 * detail message.
 */
struct aurora_api_answer {
	Response	 resp;
	ServerInfo	 info;
	Result		 result;
	ResponseDetail	 detail;
	ResponseDetail	*details[1];
	char		 message[512];
};

void	aurora_api_answer_init(struct aurora_api_answer *, ResponseCode);
/* The same, with one detail (printf-style). */
void	aurora_api_answer_message(struct aurora_api_answer *, ResponseCode,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
