/* SPDX-License-Identifier: BSD-3-Clause */
/* An EAL for tests and fuzz harnesses that need mbufs: no hugepages, no
 * devices, one lcore, a prefix unique to the process. Its runtime directory
 * (made even with --no-shconf) is removed right after start-up, so a run
 * that dies on a failed check leaves nothing behind. No cmocka here. */
#ifndef MPGW_TESTS_UT_EAL_H
#define MPGW_TESTS_UT_EAL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>

static inline void ut_eal_remove_runtime_dir(const char *dir)
{
	char path[400];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static inline void ut_eal_at_exit(void)
{
	rte_eal_cleanup();
}

/* Start the EAL once (@name tags the prefix). @return 0, or -1. */
static inline int ut_eal_start(const char *name)
{
	static int started = -2;
	char prefix[64], dir[128];

	if (started != -2)
		return started;
	snprintf(prefix, sizeof(prefix), "mpgw-%s-%d", name, getpid());
	snprintf(dir, sizeof(dir), "/var/run/dpdk/%s", prefix);
	char *argv[] = { (char *)name,
			 "--no-huge",
			 "--no-pci",
			 "-m",
			 "256",
			 "--no-shconf",
			 "--file-prefix",
			 prefix,
			 "--no-telemetry",
			 "--log-level",
			 "*:error",
			 "-l",
			 "0",
			 NULL };
	started = rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0 ? -1 : 0;
	ut_eal_remove_runtime_dir(dir);
	if (started == 0)
		atexit(ut_eal_at_exit);
	return started;
}

#endif
