/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * YAML structure checks and key path -> line (internal to mgmt; config.c
 * uses it).
 *
 * A small libyaml event walk over YAML text, bounded by the length given:
 *
 *  - mgmt_yaml_check() reports what libcyaml reports badly or not at all:
 *    syntax errors (with their line), aliases, nesting deeper than
 *    MGMT_YAML_DEPTH_MAX, non-scalar keys, several documents.
 *  - mgmt_yaml_locate() finds the line of a key path such as
 *    "ports[1].role": libcyaml keeps no line numbers in the data it loads.
 *
 * Key paths: mapping keys joined by '.', sequence entries as "[n]". A key
 * made only of A-Z a-z 0-9 _ - is written bare, any other in double quotes
 * (mgmt_yaml_plain_key()), e.g. ports[0]."odd key".
 */
#ifndef MPGW_MGMT_YAML_WALK_H
#define MPGW_MGMT_YAML_WALK_H

#include <stdbool.h>
#include <stddef.h>

#define MGMT_YAML_DEPTH_MAX 32 /**< nesting levels accepted */
#define MGMT_YAML_PATH_MAX 256 /**< longest key path tracked, incl. NUL */
#define MGMT_YAML_REASON_MAX 320 /**< one reason, incl. NUL */

/** The first structural problem in a document. */
struct mgmt_yaml_error {
	unsigned line; /**< 1-based */
	char key[MGMT_YAML_PATH_MAX + 4]; /**< key path, "..." appended if cut; "" = root */
	char reason[MGMT_YAML_REASON_MAX];
};

/**
 * Check the structure of buf[0..len) (need not be NUL-terminated).
 * @param has_root  on success, whether the stream holds a document with a
 *                  root node (false for empty text or comments only)
 * @return 0, or -1 with @p e filled
 */
int mgmt_yaml_check(const char *buf, size_t len, bool *has_root, struct mgmt_yaml_error *e);

/**
 * Line of the @p nth (1-based; 0 counts as 1) occurrence of key path
 * @p path. If the path is not in the document (a missing key, a truncated
 * path), the line of its nearest ancestor; 1 if nothing matches. A key's
 * value is reported at the key's line. Structural errors are ignored: the
 * walk stops at the first one.
 */
unsigned mgmt_yaml_locate(const char *buf, size_t len, const char *path, unsigned nth);

/**
 * Number of the last line of buf[0..len), counting line breaks as YAML does
 * (LF, CR, CRLF, NEL, LS, PS; UTF-16 text after its BOM). At the end of text
 * without a final line break libyaml moves its marks to the next line, one
 * the text does not have: clamp the lines reported to this.
 */
unsigned mgmt_yaml_last_line(const char *buf, size_t len);

/** Is this key written bare in a key path (else in double quotes)? */
bool mgmt_yaml_plain_key(const char *k, size_t n);

#endif
