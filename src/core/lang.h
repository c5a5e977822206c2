/* lang.h - language codes. */
#ifndef NS_LANG_H
#define NS_LANG_H

#include <stdbool.h>
#include <stddef.h>

/* Normalise a language tag ("en-GB", "EN_us", "English", "pt-BR") to the
 * lower-case code nsearch keys stemmers by ("en", "pt") into OUT.  False
 * (OUT untouched) when TAG does not look like a language at all. */
bool ns_language_normalise(const char *tag, size_t len, char out[16]);

#endif
