/*
 * Fuzz target: Thrift JSON protocol decoding of /api calls (what thrift.js
 * sends) and of replies, with a re-encoding check (see fuzz_thrift.h).
 */
#include "config.h"

#include "tests/fuzz/fuzz_thrift.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	return fuzz_thrift(THRIFT_PROTOCOL_JSON, data, len);
}
