/*
 * common: the methods of Aurora's scheduler API (api.thrift's services
 * ReadOnlyScheduler, AuroraSchedulerManager and AuroraAdmin), each with the
 * protobuf message holding its arguments (ipc/api_calls.proto). The answer
 * of every method is a Response.
 */
#ifndef COMMON_AURORA_API_H
#define COMMON_AURORA_API_H

#include <protobuf-c/protobuf-c.h>

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

#endif
