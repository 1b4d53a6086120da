/* SPDX-License-Identifier: ISC */
/*
 * cunit.c - run a table of test cases as one CUnit suite (see cunit.h).
 */
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "cunit.h"

static int
add_cases(CU_pSuite suite, const struct tn_suite *ts, size_t *added)
{
	size_t	i;

	*added = 0;
	for (i = 0; i < ts->ncases; i++) {
		if (ts->only != NULL &&
		    strstr(ts->cases[i].name, ts->only) == NULL)
			continue;
		if (CU_add_test(suite, ts->cases[i].name,
		    ts->cases[i].fn) == NULL)
			return -1;
		(*added)++;
	}
	return 0;
}

int
tn_cunit_run(const struct tn_suite *ts)
{
	CU_pSuite	suite;
	size_t		added;
	unsigned	failures;
	int		rc = 1;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	suite = CU_add_suite_with_setup_and_teardown(ts->name, ts->init,
	    ts->clean, ts->setup, ts->teardown);
	if (suite == NULL || add_cases(suite, ts, &added) == -1) {
		fprintf(stderr, "%s: %s\n", ts->name, CU_get_error_msg());
		goto out;
	}
	if (added == 0) {
		fprintf(stderr, "%s: no case matches \"%s\"\n", ts->name,
		    ts->only ? ts->only : "");
		rc = 2;
		goto out;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures();
	rc = failures != 0 || CU_get_error() != CUE_SUCCESS;
out:
	CU_cleanup_registry();
	return rc;
}
