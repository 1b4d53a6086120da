/* SPDX-License-Identifier: ISC */
/*
 * name.c - the rule for network and user names (name.h), alone in its
 * library so that timenode-genesis checks a name as timenoded does
 * without linking the configuration parser.
 */
#include <string.h>

#include "name.h"

int
name_ok(const char *s, size_t size)
{
	const char	*p;
	size_t		 n = strlen(s);

	if (n == 0 || n >= size)
		return -1;
	for (p = s; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && *p != '-' && *p != '_' &&
		    *p != '.')
			return -1;
	return 0;
}
