/* dates.h - the dates nsearch-cli's --since and --until accept. */
#ifndef NSCLI_DATES_H
#define NSCLI_DATES_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* ARG as the day it means, into OUT as "YYYY-MM-DD":
 *   YYYY-MM-DD        that day (a real one: 1987-13-01 is refused);
 *   YYYY-MM, YYYY     its first day, or with UNTIL its last;
 *   today, yesterday  in local time at NOW;
 *   Nd, Nw, Nm, Ny    N days, weeks, months or years before NOW.
 * False when ARG is none of these; then WHY (WHY_SIZE bytes, may be NULL)
 * says why in the user's words and OUT is untouched. */
bool nscli_parse_date(const char *arg, bool until, time_t now, char out[11],
                      char *why, size_t why_size);

#endif
