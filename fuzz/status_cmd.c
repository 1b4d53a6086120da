/* SPDX-License-Identifier: ISC */
/*
 * status_cmd.c - fuzz target: the status socket's command parser
 * (status_parse_command in supervisor/status.c).
 *
 * Input: bytes as a client sends them; split into lines at LF as the
 * socket does (lines over 1024 bytes are refused before parsing), each
 * parsed with and without -d.  Rules: an accepted command is one of the
 * catalogue with its arguments in range, its component a word of the
 * line; a refused one has an error text.
 */
#include <stdlib.h>
#include <string.h>

#include "supervisor.h"
#include "util.h"

#define LINE_MAX_BYTES	1024	/* STATUS_LINE_MAX in status.c */

static void
check_line(const char *src, size_t n, int debug)
{
	struct status_cmd	 sc;
	char			*line, err[256];

	if ((line = malloc(n + 1)) == NULL)
		return;
	memcpy(line, src, n);
	line[n] = '\0';
	memset(err, 'x', sizeof(err));
	if (status_parse_command(line, debug, &sc, err, sizeof(err)) == -1) {
		if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0')
			fuzz_fail("a refused command has no error text");
	} else {
		if (sc.verb > STATUS_CMD_DEBUG_SOCKET ||
		    (sc.verb == STATUS_CMD_DEBUG_SOCKET && !debug))
			fuzz_fail("a command outside the catalogue");
		if (sc.verb == STATUS_CMD_PRODUCE && (sc.produce.count == 0 ||
		    sc.produce.count > IPC_PRODUCE_MAX ||
		    sc.produce.payload_bytes > IPC_PRODUCE_PAYLOAD_MAX))
			fuzz_fail("produce out of range");
		if (sc.component != NULL && (sc.component < line ||
		    sc.component >= line + n || *sc.component == '\0' ||
		    strpbrk(sc.component, " \t\r") != NULL))
			fuzz_fail("component is not a word of the line");
	}
	free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p = (const char *)data, *end = p + size, *nl;
	size_t		 n;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;		/* the socket waits for the LF */
		n = (size_t)(nl - p);
		if (n <= LINE_MAX_BYTES) {
			check_line(p, n, 0);
			check_line(p, n, 1);
		}
		p = nl + 1;
	}
	return 0;
}
