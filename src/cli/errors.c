/* errors.c - the daemon's error replies in the user's words (errors.h). */
#include "cli/errors.h"

#include <stdio.h>
#include <string.h>

#include "core/proto.h"
#include "core/util.h"

char *nscli_error_text(const nscli_asked_t *asked, const char *code,
                       const char *message)
{
	ns_buf_t b = {0};
	if (ns_buf_printf(&b, "nsearch-cli: %s: %s\n", code ? code : "ERROR",
	                  message ? message : "") != NS_OK)
		return NULL;
	if (code && strcmp(code, NS_E_FORBIDDEN) == 0 &&
	    ns_buf_printf(&b, "  reindex, compact and backup need root or the "
	                  "daemon's user: sudo nsearch-cli ...\n") != NS_OK) {
		ns_buf_free(&b);
		return NULL;
	}
	return b.data;
}
