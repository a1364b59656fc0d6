/* log: one line per event on stderr, "TIME LEVEL service: message". Services log codes and counts,
 * never record payloads (no personal data may leak into logs even by accident). */
#ifndef CCHC_LOG_H
#define CCHC_LOG_H

void log_set_name(const char *service);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
