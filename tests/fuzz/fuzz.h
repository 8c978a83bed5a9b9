/* SPDX-License-Identifier: BSD-3-Clause */
/* What the fuzz harnesses and the standalone driver share: the libFuzzer
 * entry points and a check that fails the same way under both (abort()). */
#ifndef MPGW_TESTS_FUZZ_H
#define MPGW_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* One input; returns 0. A failed check aborts. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Optional, called once before the first input (weak in driver.c). */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Unlike assert(), not compiled out by NDEBUG. */
#define FUZZ_CHECK(cond, ...)                                                                    \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                            \
			fputc('\n', stderr);                                                     \
			abort();                                                                 \
		}                                                                                \
	} while (0)

#endif
