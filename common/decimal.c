/* SPDX-License-Identifier: ISC */
/*
 * decimal.c - strict decimal numbers (see decimal.h for why): digits
 * only, range checked, overflow refused.
 */
#include "decimal.h"

/* s past the ASCII digits it starts with */
static const char *
skip_digits(const char *s)
{
	while (*s >= '0' && *s <= '9')
		s++;
	return s;
}

int
is_decimal(const char *s, int fraction)
{
	const char *p = skip_digits(s);

	if (p == s)
		return 0;
	if (fraction && *p == '.') {
		s = p + 1;
		if ((p = skip_digits(s)) == s)
			return 0;
	}
	return *p == '\0';
}

int
parse_decimal(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t	v = 0;
	unsigned	d;

	if (!is_decimal(s, 0))
		return -1;
	for (; *s != '\0'; s++) {
		d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;	/* more than 64 bits */
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
