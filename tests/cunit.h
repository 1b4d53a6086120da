/* SPDX-License-Identifier: ISC */
/*
 * cunit.h - one way to run a CUnit suite from a test program's main().
 *
 * Every test program is a table of named cases run as one suite; an
 * optional filter runs only the cases whose name contains it (ctest runs
 * them all).
 */
#ifndef TIMENODE_CUNIT_H
#define TIMENODE_CUNIT_H

#include <stddef.h>

#include <CUnit/CUnit.h>

#include "netaddr.h"

struct tn_case {
	const char	*name;
	CU_TestFunc	 fn;
};

struct tn_suite {
	const char		*name;
	const struct tn_case	*cases;
	size_t			 ncases;
	const char		*only;	   /* NULL: every case */
	/* optional: once before the cases, once after them */
	CU_InitializeFunc	 init;
	CU_CleanupFunc		 clean;
	/* optional: before each case, after each case */
	CU_SetUpFunc		 setup;
	CU_TearDownFunc		 teardown;
};

#define TN_NCASES(a)	(sizeof(a) / sizeof((a)[0]))

/* a and b are the same address (netaddr_eq on values, for assertions) */
static inline int
same_ip(struct netaddr a, struct netaddr b)
{
	return netaddr_eq(&a, &b);
}

/* the IPv4 address a.b.c.d given as 0xaabbccdd, v4-mapped */
#define V4(h)	netaddr_from_v4((uint32_t)(h))

/*
 * Run the suite verbosely.  Returns main()'s exit status: 0 when every
 * case passed, 1 on a failure or a CUnit error, 2 when the filter names
 * no case.
 */
int	tn_cunit_run(const struct tn_suite *);

#endif
