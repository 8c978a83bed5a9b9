/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * mpgwctl's words and pictures: the command line made into a control
 * request, and a response made into what an operator reads. In the library
 * (not in mpgwctl's main) so that both are unit-tested and fuzzed.
 * Grammar and output: docs/control.md, "mpgwctl".
 */
#ifndef MPGW_MGMT_CTL_CLI_H
#define MPGW_MGMT_CTL_CLI_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/**
 * The request for a command line, e.g. {"path", "add", "p3", "peer", "gwb",
 * "local", "wan2", "remote", "198.18.22.2"} gives
 * {"command": "path add", "peer": "gwb", "path": {"name": "p3", "local":
 * "wan2", "remote": "198.18.22.2", "backup": false}}.
 *
 * @param argc, argv  the words after mpgwctl's options (argv[0] is the object)
 * @param err         on failure, why (e.g. "missing value for 'remote'")
 * @return a new object, or NULL on a usage error
 */
json_t *mgmt_ctl_cli_parse(int argc, char **argv, char *err, size_t errlen);

/**
 * Write the human form of @p response to @p request on @p f: a table for
 * the show commands, "name value" lines for counters, "key: value" lines
 * for status, "ok" for a change.
 *
 * @return 0 if the response says ok; 1 if it does not ("mpgwctl: ERROR" is
 *         written) or is not a response at all
 */
int mgmt_ctl_cli_render(FILE *f, const json_t *request, const json_t *response);

/** The grammar, for --help. */
void mgmt_ctl_cli_usage(FILE *f);

#endif
