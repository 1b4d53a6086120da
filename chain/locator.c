/* SPDX-License-Identifier: ISC */
/*
 * locator.c - the heights of a block locator.
 *
 * A locator lets a peer on another branch find where our chains part: we
 * send the hashes of our blocks at these heights, densest near our tip,
 * and the peer answers from the highest one it also has.  Ten heights
 * below the tip one by one, then steps that double, then genesis, so a
 * chain of any length fits in IPC_MAX_HASHES entries.
 */
#include "block.h"

size_t
locator_heights(uint64_t tip, uint64_t *out, size_t max)
{
	uint64_t	h = tip, step = 1;
	size_t		n = 0;

	if (max < 2)
		return 0;
	for (;;) {
		if (n == max - 1 || h == 0)
			break;
		out[n++] = h;
		if (n >= LOCATOR_DENSE)
			step = step > UINT64_MAX / 2 ? UINT64_MAX : step * 2;
		h = h > step ? h - step : 0;
	}
	out[n++] = 0;
	return n;
}
