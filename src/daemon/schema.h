/* schema.h - how an article is laid out in the Xapian index: term prefixes,
 * value slots and the field names of the stored data.  The indexer writes
 * this layout and the query side reads it; change both or neither. */
#ifndef NS_SCHEMA_H
#define NS_SCHEMA_H

/* Unique identity: "Q" + the path relative to the articles root. */
#define NS_PREFIX_ID       "Q"
/* Free-text prefixes, searchable as title:... and author:... */
#define NS_PREFIX_TITLE    "S"
#define NS_PREFIX_AUTHOR   "A"
/* Boolean (exact, case-folded) filter terms. */
#define NS_PREFIX_TAG      "K"
#define NS_PREFIX_SECTION  "XSECTION"
#define NS_PREFIX_AUTHOR_EXACT "XAUTHOR"
#define NS_PREFIX_LANG     "L"
#define NS_PREFIX_YEAR     "Y"      /* Y2024 */
#define NS_PREFIX_MONTH    "M"      /* M202404 */
#define NS_PREFIX_DAY      "D"      /* D20240408 */

/* Value slots. */
#define NS_SLOT_DATE 0              /* "YYYYMMDD": date ranges */
/* What the index knows of the file: its stat, content hash and path
 * (filemeta.c).  Read back at start so unchanged files cost a stat. */
#define NS_SLOT_FILE 2
/* Facet values, as written (the shim's NSX_LIST_SEP between several). */
#define NS_SLOT_TAGS     3
#define NS_SLOT_AUTHORS  4
#define NS_SLOT_SECTION  5
#define NS_SLOT_LANG     7
/* A hash of the title and text: documents with the same one are
 * duplicates, which a search can collapse into one hit. */
#define NS_SLOT_CONTENT  6
/* Bump when the documents' layout changes: every file is read again.
 * 3: facet and content slots; 4: authors' names as plain words too;
 * 5: the stored data keeps the body apart from the JSON of the other
 * fields (stored.h), so that a hit decodes only what it shows;
 * 6: initials in any case ("u.s.") indexed as one word, as "U.S." was. */
#define NS_INDEX_LAYOUT 6
#define NS_SLOT_DATETIME 1          /* "YYYYMMDDHHMM" ("0000" without a
                                       time): sorting */

/* Within-document frequency boost per occurrence: a word in the title
 * counts as much as three in the body, one in the standfirst as two. */
#define NS_WDF_TITLE      3
#define NS_WDF_STANDFIRST 2
#define NS_WDF_BODY       1

#endif
