/* SPDX-License-Identifier: ISC */
/*
 * decimal.h - the one strict parser of the numbers people and programs
 * hand timenode: config values, command-line options, the status
 * socket's arguments, systemd's environment variables.
 *
 * strtol() and its kin take a sign, leading blanks, "0x10" (base 0) and
 * stop silently at junk unless the caller checks the end; sscanf() too.
 * "timenodectl produce +5" and "-1" read as ULONG_MAX were the result
 * (issue 13).  Everything goes through these two functions instead.
 * Linked by timenodectl as well, so it needs no library of ours.
 */
#ifndef TIMENODE_DECIMAL_H
#define TIMENODE_DECIMAL_H

#include <stdint.h>

/*
 * 1 when s is a plain decimal number: one or more ASCII digits and, when
 * fraction is set, optionally one '.' followed by one or more digits;
 * nothing else (no sign, blank, exponent, "0x", "inf", "nan", no empty
 * string).  Leading zeros are digits ("007").  s: NUL-terminated, not
 * NULL.  The form timenode.conf(5) states for every number.
 */
int	is_decimal(const char *s, int fraction);

/*
 * Parse s, a plain decimal integer (is_decimal(s, 0)), in min..max
 * inclusive.  On success stores it in *out and returns 0; returns -1 and
 * leaves *out alone when s is not that form or the value is outside
 * min..max (also when it does not fit in 64 bits: no wrap-around).
 * s: NUL-terminated, not NULL.
 */
int	parse_decimal(const char *s, uint64_t min, uint64_t max,
	    uint64_t *out);

#endif
