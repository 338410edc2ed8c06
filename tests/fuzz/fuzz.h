/*
 * libFuzzer entry point shared by the fuzz targets and the replay driver,
 * which runs a target over its checked-in corpus in every test run.
 */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#endif
