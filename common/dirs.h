/*
 * Directories the scheduler creates for itself (run_dir, log_dir, the
 * log's directory): the parents of a path, as mkdir -p would.
 */
#ifndef COMMON_DIRS_H
#define COMMON_DIRS_H

#include <stddef.h>

/*
 * Creates every missing parent directory of path (mode 0755), not path
 * itself. -1 with errno set and, in failed, the directory that could not
 * be made.
 */
int	dirs_make_parents(const char *path, char *failed, size_t failedlen);

#endif
