/* lang.c - language tags as metadata and clients write them, to the
 * lower-case codes nsearch keys stemmers by. */
#include "core/lang.h"

#include <ctype.h>
#include <string.h>

/* Names some metadata uses instead of codes. */
static const struct {
	const char *name, *code;
} language_names[] = {
	{"arabic", "ar"}, {"chinese", "zh"}, {"danish", "da"},
	{"dutch", "nl"}, {"english", "en"}, {"finnish", "fi"},
	{"french", "fr"}, {"german", "de"}, {"greek", "el"},
	{"hungarian", "hu"}, {"italian", "it"}, {"japanese", "ja"},
	{"korean", "ko"}, {"norwegian", "no"}, {"polish", "pl"},
	{"portuguese", "pt"}, {"romanian", "ro"}, {"russian", "ru"},
	{"spanish", "es"}, {"swedish", "sv"}, {"turkish", "tr"},
	{"ukrainian", "uk"},
};

bool ns_language_normalise(const char *tag, size_t len, char out[16])
{
	while (len && isspace((unsigned char)*tag)) {
		tag++;
		len--;
	}
	while (len && isspace((unsigned char)tag[len - 1]))
		len--;
	struct {
		const char *s;
		size_t len;
	} l = {tag, len};
	size_t n = 0;
	while (n < l.len && l.s[n] != '-' && l.s[n] != '_')
		n++;
	char low[16];
	if (n < 2 || n >= sizeof low)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isalpha((unsigned char)l.s[i]))
			return false;
		low[i] = (char)tolower((unsigned char)l.s[i]);
	}
	low[n] = '\0';
	if (n > 3) {
		for (size_t i = 0; i < sizeof language_names / sizeof *language_names;
		     i++)
			if (strcmp(low, language_names[i].name) == 0) {
				strcpy(out, language_names[i].code);
				return true;
			}
		return false;
	}
	memcpy(out, low, n + 1);
	return true;
}

