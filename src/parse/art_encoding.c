/* art_encoding.c - from a file's bytes to the text the formats read:
 * binary files refused by their magic numbers or control characters, the
 * BOM dropped, bytes that are not UTF-8 decoded as Windows-1252 or -1251,
 * whichever they look like.  Pure: no I/O. */
#include "parse/article_impl.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

bool ns_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < len) {
		unsigned c = s[i];
		size_t need;
		unsigned min;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xC2 && c <= 0xDF) {
			need = 1; min = 0x80;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2; min = 0x800;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3; min = 0x10000;
		} else {
			return false;
		}
		if (len - i <= need)
			return false;
		unsigned cp = c & (0x3F >> need);
		for (size_t k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += need + 1;
	}
	return true;
}

/* Windows-1252's 0x80-0x9F (the rest of its high half is Latin-1) and
 * Windows-1251's 0x80-0xBF (0xC0-0xFF is U+0410-U+044F).  0 marks a byte
 * the code page leaves undefined. */
static const unsigned short cp1252_80[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};
static const unsigned short cp1251_80[64] = {
	0x0402, 0x0403, 0x201A, 0x0453, 0x201E, 0x2026, 0x2020, 0x2021,
	0x20AC, 0x2030, 0x0409, 0x2039, 0x040A, 0x040C, 0x040B, 0x040F,
	0x0452, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0, 0x2122, 0x0459, 0x203A, 0x045A, 0x045C, 0x045B, 0x045F,
	0x00A0, 0x040E, 0x045E, 0x0408, 0x00A4, 0x0490, 0x00A6, 0x00A7,
	0x0401, 0x00A9, 0x0404, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x0407,
	0x00B0, 0x00B1, 0x0406, 0x0456, 0x0491, 0x00B5, 0x00B6, 0x00B7,
	0x0451, 0x2116, 0x0454, 0x00BB, 0x0458, 0x0405, 0x0455, 0x0457,
};

static unsigned cp_decode(bool cyrillic, unsigned char c)
{
	if (c < 0x80)
		return c;
	if (cyrillic)
		return c >= 0xC0 ? 0x0410 + (c - 0xC0) : cp1251_80[c - 0x80];
	return c < 0xA0 ? cp1252_80[c - 0x80] : c;
}

/* Which single-byte code page do these (invalid UTF-8) bytes look like?
 * Cyrillic words in Windows-1251 are made of high bytes only (0xC0-0xFF
 * are the letters), so a high byte rarely touches an ASCII letter; in
 * Windows-1252 the high bytes are accents inside Latin words ("Informação",
 * "café") and nearly always do. */
static bool looks_cyrillic(const unsigned char *s, size_t len)
{
	size_t high = 0, letters = 0, by_ascii = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < 0x80)
			continue;
		high++;
		if (s[i] >= 0xC0)
			letters++;
		if ((i > 0 && isalpha(s[i - 1]) && s[i - 1] < 0x80) ||
		    (i + 1 < len && isalpha(s[i + 1]) && s[i + 1] < 0x80))
			by_ascii++;
	}
	return high && letters * 10 >= high * 7 && by_ascii * 5 < high;
}

static ns_status_t decode_codepage(const char *s, size_t len, bool cyrillic,
                                   char **out, size_t *out_len, char *why,
                                   size_t why_size)
{
	char *o = malloc(len * 3 + 1);
	if (!o)
		return NS_ERR_NOMEM;
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned c = cp_decode(cyrillic, (unsigned char)s[i]);
		if (c == 0) {
			art_why(why, why_size, "not UTF-8, and byte 0x%02X at offset "
			        "%zu is not text in %s either", (unsigned char)s[i], i,
			        cyrillic ? "Windows-1251" : "Windows-1252");
			free(o);
			return NS_ERR_FORMAT;
		}
		if (c < 0x80) {
			o[n++] = (char)c;
		} else if (c < 0x800) {
			o[n++] = (char)(0xC0 | (c >> 6));
			o[n++] = (char)(0x80 | (c & 0x3F));
		} else {
			o[n++] = (char)(0xE0 | (c >> 12));
			o[n++] = (char)(0x80 | ((c >> 6) & 0x3F));
			o[n++] = (char)(0x80 | (c & 0x3F));
		}
	}
	o[n] = '\0';
	*out = o;
	*out_len = n;
	return NS_OK;
}

/* ---- binary files ------------------------------------------------------- */

static const struct {
	const char *magic;
	size_t len;
	const char *what;
} magics[] = {
	{"\x89PNG\r\n\x1a\n", 8, "a PNG image"},
	{"\xff\xd8\xff", 3, "a JPEG image"},
	{"GIF87a", 6, "a GIF image"},
	{"GIF89a", 6, "a GIF image"},
	{"%PDF-", 5, "a PDF document"},
	{"PK\x03\x04", 4, "a ZIP archive (or an office document)"},
	{"\x1f\x8b", 2, "a gzip file"},
	{"BZh", 3, "a bzip2 file"},
	{"\xfd" "7zXZ", 5, "an xz file"},
	{"7z\xbc\xaf\x27\x1c", 6, "a 7-Zip archive"},
	{"\x7f" "ELF", 4, "an executable"},
	{"RIFF", 4, "a RIFF file (WAV, AVI or WebP)"},
	{"ID3", 3, "an MP3 file"},
	{"SQLite format 3", 15, "an SQLite database"},
};

/* Why these bytes are not text, or NULL when they may be. */
static const char *binary_kind(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof magics / sizeof *magics; i++)
		if (len >= magics[i].len && memcmp(s, magics[i].magic, magics[i].len) == 0)
			return magics[i].what;
	if (len >= 12 && memcmp(s + 4, "ftyp", 4) == 0)
		return "an MP4 or QuickTime file";
	if (memchr(s, '\0', len))
		return "binary data (it has NUL bytes)";
	/* Control characters other than tab, line breaks and form feed: text
	 * has none, or very nearly none. */
	size_t ctl = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') ||
		    c == 0x7f)
			ctl++;
	}
	if (ctl > 8 && ctl * 100 > len)
		return "binary data (control characters)";
	return NULL;
}

/* ---- the text the formats see ------------------------------------------- */

ns_status_t art_normalise(const char *bytes, size_t len, char **text,
                          size_t *text_len, const char **encoding, char *why,
                          size_t why_size)
{
	if (len >= 3 && memcmp(bytes, "\xef\xbb\xbf", 3) == 0) {
		bytes += 3;
		len -= 3;
	}
	const char *binary = binary_kind(bytes, len);
	if (binary) {
		art_why(why, why_size, "not text: %s", binary);
		return NS_ERR_FORMAT;
	}
	if (ns_utf8_valid(bytes, len)) {
		/* The formats want a NUL-terminated string of their own. */
		if (!(*text = ns_strndup(bytes, len)))
			return NS_ERR_NOMEM;
		*text_len = len;
		*encoding = "utf-8";
		return NS_OK;
	}
	bool cyr = looks_cyrillic((const unsigned char *)bytes, len);
	ns_status_t st = decode_codepage(bytes, len, cyr, text, text_len, why,
	                                 why_size);
	if (st == NS_OK)
		*encoding = cyr ? "windows-1251" : "windows-1252";
	return st;
}

ns_status_t art_decode(const char *bytes, size_t len, const char *encoding,
                       char **text, size_t *text_len)
{
	if (strcmp(encoding, "utf-8") != 0)
		return decode_codepage(bytes, len,
		                       strcmp(encoding, "windows-1251") == 0, text,
		                       text_len, NULL, 0);
	if (!ns_utf8_valid(bytes, len))
		return NS_ERR_FORMAT;
	if (!(*text = ns_strndup(bytes, len)))
		return NS_ERR_NOMEM;
	*text_len = len;
	return NS_OK;
}
