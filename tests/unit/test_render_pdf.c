/* Unit tests of the PDF renderer with a document built here by hand: the bytes are a PDF, its text
 * read back by pdftotext holds every paragraph with its Vietnamese letters intact, the pages break
 * and are numbered from page 2, only Liberation Serif is embedded, and bad text is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the headers above first */
#include <cmocka.h>

#include "render_pdf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *issuer[] = {"ỦY BAN NHÂN DÂN", "TỈNH THỪA THIÊN HUẾ"};
static char *recipients[] = {"Bộ Nội vụ;", "TT Tỉnh ủy, TT HĐND tỉnh;", "Lưu: VT, NV."};
static char *signer[] = {"TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"};

/* Long enough that the report runs over several pages and paragraphs split between them. */
static const char para_figures[] =
    "Từ 15/12/2023 - 14/03/2024, tổng số hồ sơ TTHC đã tiếp nhận: 86.721 hồ sơ (trong đó có "
    "48.962 hồ sơ nộp trực tuyến, đạt tỷ lệ 56,46%); số hồ sơ đã giải quyết: 80.114 hồ sơ, đạt "
    "tỷ lệ 92,38%; số hồ sơ giải quyết trước hạn và đúng hạn: 79.003 hồ sơ, đạt tỷ lệ 98,61%.";
static const char para_letters[] =
    "Ứng dụng công nghệ thông tin: ắ ằ ẳ ẵ ặ ấ ầ ẩ ẫ ậ ế ề ể ễ ệ ố ồ ổ ỗ ộ ớ ờ ở ỡ ợ ứ ừ ử ữ ự "
    "ý ỳ ỷ ỹ ỵ đ Đ ư Ư ơ Ơ Ỹ Ỵ Ữ Ự Ặ Ậ Ệ Ộ Ợ.";
static const char para_long[] =
    "Công tác tuyên truyền về cải cách hành chính được tỉnh quan tâm tổ chức thực hiện với nhiều "
    "hình thức đa dạng: lồng ghép nội dung cải cách hành chính vào chương trình tập huấn, duy trì "
    "đối thoại trực tuyến giữa lãnh đạo tỉnh với cá nhân, tổ chức; tăng cường ứng dụng thông tin, "
    "truyền thông, phát huy và khai thác có hiệu quả các tiện ích của mạng xã hội có nhiều người "
    "dùng. Các cơ quan, ban, ngành, đơn vị đã lồng ghép đa dạng hóa nội dung tuyên truyền và chỉ "
    "đạo tăng cường công tác cải cách hành chính, đưa nội dung, chương trình tổng thể cải cách "
    "hành chính nhà nước một cách thích hợp vào công tác tuyển dụng, chương trình đào tạo.";

#define NBLOCKS 40

static doc_block blocks[NBLOCKS];

/* The document the tests draw: header, headings of the three levels, many paragraphs, a missing
 * section, both charts, "Nơi nhận" and the signature. */
static void build(report_doc *d)
{
	size_t n = 0;
	blocks[n++] = (doc_block){DOC_HEADING, 1, "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CCHC", 0};
	blocks[n++] = (doc_block){DOC_MISSING, 0, "tình hình ban hành văn bản chỉ đạo", 0};
	blocks[n++] = (doc_block){DOC_HEADING, 1, "II. KẾT QUẢ THỰC HIỆN CÔNG TÁC CCHC", 0};
	blocks[n++] = (doc_block){DOC_HEADING, 2, "2. Cải cách thủ tục hành chính", 0};
	blocks[n++] = (doc_block){DOC_HEADING, 3, "c) Kết quả giải quyết TTHC", 0};
	blocks[n++] = (doc_block){DOC_PARAGRAPH, 0, (char *)para_figures, 0};
	blocks[n++] = (doc_block){DOC_PARAGRAPH, 0, (char *)para_letters, 0};
	blocks[n++] =
	    (doc_block){DOC_CHART, 0, "Biểu đồ 1. Tỷ lệ theo cấp", DOC_CHART_RATES_BY_LEVEL};
	blocks[n++] =
	    (doc_block){DOC_CHART, 0, "Biểu đồ 2. Tỷ lệ theo huyện", DOC_CHART_RATES_BY_DISTRICT};
	while (n < NBLOCKS)
		blocks[n++] = (doc_block){DOC_PARAGRAPH, 0, (char *)para_long, 0};
	*d = (report_doc){
	    .issuer_lines = issuer,
	    .n_issuer_lines = 2,
	    .number = "Số:      /BC-UBND",
	    .place_date = "Thừa Thiên Huế, ngày 21 tháng 03 năm 2024",
	    .title = "BÁO CÁO",
	    .subtitle = "Tình hình thực hiện công tác cải cách hành chính quý I năm 2024",
	    .blocks = blocks,
	    .n_blocks = n,
	    .recipients = recipients,
	    .n_recipients = 3,
	    .signer_lines = signer,
	    .n_signer_lines = 3,
	    .signer_name = "Nguyễn Văn Phương",
	};
}

/* Figures for the charts: one level, two districts. */
static Cchc__V1__DossierFigures dfig[3];
static Cchc__V1__FigureRow rows[3];
static Cchc__V1__FigureRow *rowp[3];
static Cchc__V1__QueryReply reply;
static figures figs;

static void build_figures(void)
{
	Cchc__V1__DossierFigures d0 = CCHC__V1__DOSSIER_FIGURES__INIT;
	Cchc__V1__FigureRow r0 = CCHC__V1__FIGURE_ROW__INIT;
	Cchc__V1__QueryReply q0 = CCHC__V1__QUERY_REPLY__INIT;
	static const char *const g[3] = {"level", "unit", "unit"}, *const k[3] = {"district", "474",
	                                                                          "476"};
	static const char *const nm[3] = {NULL, "Thành phố Huế", "Huyện Phong Điền"};
	for (int i = 0; i < 3; i++) {
		dfig[i] = d0;
		dfig[i].received = 200;
		dfig[i].received_online = 50 + 40 * i; /* 25,00 %, 45,00 %, 65,00 % */
		dfig[i].resolved = 100;
		dfig[i].resolved_on_time = 90 - i;
		rows[i] = r0;
		rows[i].group = (char *)g[i];
		rows[i].key = (char *)k[i];
		rows[i].name = (char *)nm[i];
		rows[i].has_level = 1;
		rows[i].level = 2;
		rows[i].dossiers = &dfig[i];
		rowp[i] = &rows[i];
	}
	reply = q0;
	reply.rows = rowp;
	reply.n_rows = 3;
	figs.query = &reply;
}

/* Runs a shell command, returns what it printed (malloc'd), or NULL if it failed. */
static char *run(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	if (!p)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	size_t r;
	while (buf && (r = fread(buf + n, 1, cap - n - 1, p)) > 0) {
		n += r;
		if (cap - n < 2) {
			char *b = realloc(buf, cap *= 2);
			if (!b) {
				free(buf);
				buf = NULL;
			}
			buf = b;
		}
	}
	int rc = pclose(p);
	if (!buf)
		return NULL;
	buf[n] = '\0';
	if (rc != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Collapses every run of white space into one space, in place. */
static void squash(char *s)
{
	char *w = s;
	int space = 0;
	for (char *r = s; *r; r++) {
		if (*r == ' ' || *r == '\n' || *r == '\t' || *r == '\f' || *r == '\r') {
			space = 1;
			continue;
		}
		if (space && w != s)
			*w++ = ' ';
		space = 0;
		*w++ = *r;
	}
	*w = '\0';
}

static char pdf_path[64];

static int setup(void **state)
{
	(void)state;
	report_doc d;
	uint8_t *data = NULL;
	size_t len = 0;
	char err[512] = "";
	build(&d);
	build_figures();
	if (render_pdf_doc(&d, &figs, &data, &len, err, sizeof err)) {
		fprintf(stderr, "render_pdf_doc: %s\n", err);
		return -1;
	}
	snprintf(pdf_path, sizeof pdf_path, "/tmp/cchc-test-pdf.XXXXXX");
	int fd = mkstemp(pdf_path);
	if (fd < 0 || len < 5 || memcmp(data, "%PDF-", 5) || write(fd, data, len) != (ssize_t)len) {
		free(data);
		return -1;
	}
	close(fd);
	free(data);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (getenv("CCHC_KEEP_PDF"))
		fprintf(stderr, "kept %s\n", pdf_path);
	else
		unlink(pdf_path);
	return 0;
}

static void test_text(void **state)
{
	(void)state;
	char cmd[256];
	snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 %s -", pdf_path);
	char *text = run(cmd);
	assert_non_null(text);
	squash(text);
	static const char *const want[] = {
	    "ỦY BAN NHÂN DÂN",
	    "TỈNH THỪA THIÊN HUẾ",
	    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
	    "Độc lập - Tự do - Hạnh phúc",
	    "Số: /BC-UBND",
	    "Thừa Thiên Huế, ngày 21 tháng 03 năm 2024",
	    "BÁO CÁO",
	    "Tình hình thực hiện công tác cải cách hành chính quý I năm 2024",
	    "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CCHC",
	    "c) Kết quả giải quyết TTHC",
	    para_figures,
	    para_letters,
	    para_long,
	    "[Nội dung do đơn vị soạn thảo: tình hình ban hành văn bản chỉ đạo]",
	    "Biểu đồ 1. Tỷ lệ theo cấp",
	    "Biểu đồ 2. Tỷ lệ theo huyện",
	    "Cấp huyện",
	    "Huyện Phong Điền",
	    "25,00%",
	    "65,00%",
	    "Nơi nhận:",
	    "- TT Tỉnh ủy, TT HĐND tỉnh;",
	    "KT. CHỦ TỊCH",
	    "Nguyễn Văn Phương"};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		char *w = strdup(want[i]);
		squash(w);
		if (!strstr(text, w))
			fail_msg("pdftotext has no \"%s\"", w);
		free(w);
	}
	free(text);
}

static void test_pages(void **state)
{
	(void)state;
	char cmd[256];
	snprintf(cmd, sizeof cmd, "pdfinfo %s | sed -n 's/^Pages: *//p'", pdf_path);
	char *pages = run(cmd);
	assert_non_null(pages);
	int n = atoi(pages);
	free(pages);
	assert_true(n >= 4 && n <= 12);
	snprintf(cmd, sizeof cmd, "pdfinfo %s | grep -c '595.28 x 841.89 pts (A4)'", pdf_path);
	char *a4 = run(cmd);
	assert_non_null(a4);
	assert_int_equal(atoi(a4), 1);
	free(a4);
	/* No number on page 1; pages 2.. begin with their number. */
	for (int pg = 1; pg <= n; pg++) {
		snprintf(cmd, sizeof cmd,
		         "pdftotext -enc UTF-8 -f %d -l %d %s - | sed -n '/./{p;q}'", pg, pg,
		         pdf_path);
		char *first = run(cmd);
		assert_non_null(first);
		if (pg == 1)
			assert_string_equal(first, "ỦY BAN NHÂN DÂN\n");
		else
			assert_int_equal(atoi(first), pg);
		free(first);
	}
}

static void test_fonts(void **state)
{
	(void)state;
	char cmd[256];
	/* pdffonts: two header lines, then one line per font: "ABCDEF+LiberationSerif-Bold …". */
	snprintf(cmd, sizeof cmd, "pdffonts %s | tail -n +3 | awk '{print $1}' | sed 's/^.*+//'",
	         pdf_path);
	char *fonts = run(cmd);
	assert_non_null(fonts);
	int n = 0;
	for (char *line = strtok(fonts, "\n"); line; line = strtok(NULL, "\n"), n++)
		if (strncmp(line, "LiberationSerif", 15))
			fail_msg("font other than Liberation Serif embedded: %s", line);
	assert_true(n >= 3); /* regular, bold, italic, bold italic */
	free(fonts);
}

static void test_bad_utf8(void **state)
{
	(void)state;
	report_doc d;
	build(&d);
	doc_block b[2] = {{DOC_PARAGRAPH, 0, "đúng", 0}, {DOC_PARAGRAPH, 0, "sai \xC3(", 0}};
	d.blocks = b;
	d.n_blocks = 2;
	uint8_t *data = NULL;
	size_t len = 0;
	char err[512] = "";
	assert_int_equal(render_pdf_doc(&d, &figs, &data, &len, err, sizeof err), -1);
	assert_non_null(strstr(err, "block 2"));
	assert_null(data);
}

static void test_bad_chart(void **state)
{
	(void)state;
	report_doc d;
	build(&d);
	doc_block b[1] = {{DOC_CHART, 0, "?", 42}};
	d.blocks = b;
	d.n_blocks = 1;
	uint8_t *data = NULL;
	size_t len = 0;
	char err[512] = "";
	assert_int_equal(render_pdf_doc(&d, &figs, &data, &len, err, sizeof err), -1);
	assert_non_null(strstr(err, "chart 42"));
	assert_null(data);
}

int main(void)
{
	/* GLib's slice allocator hides a forgotten g_object_unref from LeakSanitizer; plain malloc
	 * shows it. Before any GLib call. */
	setenv("G_SLICE", "always-malloc", 1);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_text),      cmocka_unit_test(test_pages),
	    cmocka_unit_test(test_fonts),     cmocka_unit_test(test_bad_utf8),
	    cmocka_unit_test(test_bad_chart),
	};
	return cmocka_run_group_tests_name("render_pdf", tests, setup, teardown);
}
