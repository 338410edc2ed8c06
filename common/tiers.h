/*
 * common: Aurora's task tiers (-tier_config, or Aurora's own tiers.json:
 * preferred, preemptible, revocable; the default preemptible). Read by
 * master, to refuse a bad file at start, and by replica, which decides
 * with them (a task's tier, whether it is production).
 */
#ifndef COMMON_TIERS_H
#define COMMON_TIERS_H

#include <stddef.h>

#define TIERS_MAX		16
#define TIER_NAME_MAX		256

struct tier {
	char	name[TIER_NAME_MAX];
	int	preemptible;
	int	revocable;
};

struct tiers {
	char		default_name[TIER_NAME_MAX];
	struct tier	tier[TIERS_MAX];
	size_t		n;	/* sorted by name */
};

/*
 * Reads tiers from a JSON file in Aurora's format ({"default": NAME,
 * "tiers": {NAME: {"preemptible": BOOL, "revocable": BOOL}}}), or
 * Aurora's default tiers when path is NULL or "". -1 with err naming the
 * file and what is wrong (Aurora's words where it has them).
 */
int	 tiers_load(const char *path, struct tiers *, char *err, size_t errlen);
/* The tier named so, or NULL. */
const struct tier *tiers_find(const struct tiers *, const char *name);
/* Aurora's TierInfo.isProduction: neither preemptible nor revocable. */
int	 tier_production(const struct tier *);

#endif
