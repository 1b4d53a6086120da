/* SPDX-License-Identifier: ISC */
/*
 * metrics.h - a writer of the Prometheus text exposition format.
 *
 * The format is version 0.0.4 of the text format (Content-Type
 * "text/plain; version=0.0.4"), as specified in Prometheus'
 * docs/instrumenting/exposition_formats.md: "# HELP" and "# TYPE" once per
 * metric family before its samples, label values escaped (backslash,
 * double quote, line feed), histograms as cumulative _bucket{le="..."}
 * series ending with le="+Inf", then _sum and _count.  No "# EOF" line
 * (that is OpenMetrics).  The writer is pure: it appends to a buffer it
 * owns, so it is unit-tested without a node (tests/test_metrics.c).
 */
#ifndef TIMENODE_METRICS_H
#define TIMENODE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"
#define METRICS_MAX_BYTES	(256u << 10)	/* the writer stops there;
					   = IPC_METRICS_TEXT_MAX */

struct metrics {
	char	*buf;		/* NUL-terminated text, owned */
	size_t	 len;
	size_t	 cap;
	int	 failed;	/* out of memory or METRICS_MAX_BYTES */
};

/*
 * A label set: n name/value pairs.  Names are ours (constant, valid
 * [a-zA-Z_][a-zA-Z0-9_]*); values are escaped by the writer.
 */
struct metrics_label {
	const char	*name;
	const char	*value;
};

/*
 * A histogram's data: counts[i] observations fell in (bounds[i-1],
 * bounds[i]] (not cumulative; the writer accumulates), counts[n] above
 * the last bound; sum in the metric's base unit.  bounds ascending.
 */
struct metrics_hist {
	const double	*bounds;
	size_t		 nbounds;
	const uint64_t	*counts;	/* nbounds + 1 entries */
	double		 sum;
};

void	metrics_init(struct metrics *);
void	metrics_free(struct metrics *);
/*
 * Start a family: "# HELP name help" and "# TYPE name type" (type one of
 * counter, gauge, histogram, untyped).  Call once per family, before its
 * samples; help has backslash and line feed escaped.
 */
void	metrics_family(struct metrics *, const char *name, const char *type,
	    const char *help);
/* One sample "name{labels} value"; value printed exactly ("%.17g"). */
void	metrics_sample(struct metrics *, const char *name,
	    const struct metrics_label *, size_t nlabels, double value);
/* The same for an integer, printed in full (counters over 2^53). */
void	metrics_sample_u64(struct metrics *, const char *name,
	    const struct metrics_label *, size_t nlabels, uint64_t value);
/* A histogram's series name_bucket{..,le=".."}, name_sum, name_count. */
void	metrics_histogram(struct metrics *, const char *name,
	    const struct metrics_label *, size_t nlabels,
	    const struct metrics_hist *);
/*
 * Escape a label value into out (outlen bytes, NUL-terminated, truncated
 * if short): \ -> \\, " -> \", line feed -> \n.  Returns the length the
 * escaped value has (without the NUL), as snprintf does.
 */
size_t	metrics_escape(const char *value, char *out, size_t outlen);

#endif
