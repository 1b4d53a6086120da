/* SPDX-License-Identifier: ISC */
/*
 * name.h - the one rule for names in a configuration: a network name (it
 * names the file NAME.genesis) and the service user.  timenoded's parser
 * (config.c) and timenode-genesis both check with it, so that a genesis
 * timenode-genesis wrote is one timenoded accepts (issue 13: 'a b' made
 * "a b.genesis", which timenoded refused).
 */
#ifndef TIMENODE_NAME_H
#define TIMENODE_NAME_H

#include <stddef.h>

/* what name_ok() allows, for error messages */
#define NAME_RULE	"letters, digits, '.', '_' or '-'"

/*
 * 0 when s is 1 to size - 1 bytes of ASCII letters, digits, '.', '_' and
 * '-' (so no '/', blank or control character: a file name as it is),
 * else -1.  size: the buffer the name is kept in, with its NUL.
 */
int	name_ok(const char *s, size_t size);

#endif
