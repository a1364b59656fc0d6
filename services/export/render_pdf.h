/* render_pdf: draws a built report document (report_doc) as an A4 PDF in the layout of Nghị định
 * 30/2020/NĐ-CP, with the charts of charts.h; render_pdf (render.h) builds the document and calls
 * this. Apart so a test can draw a document it made itself. */
#ifndef CCHC_RENDER_PDF_H
#define CCHC_RENDER_PDF_H

#include "figures.h"
#include "report_doc.h"

#include <stddef.h>
#include <stdint.h>

/* The font every text of the PDF is set in; asked for by name and checked to be the one found. */
#define RENDER_PDF_FAMILY "Liberation Serif"

/* Draws doc (charts from f) into a malloc'd PDF in *data, *len. Returns 0, or -1 with a message in
 * err (the font is missing or lacks Vietnamese letters, a text is not UTF-8, a cairo error). */
int render_pdf_doc(const report_doc *doc, const figures *f, uint8_t **data, size_t *len, char *err,
                   size_t errlen);

#endif
