/* validate: the contract's rules for one record (docs/design.md §3) and the source's grant
 * (docs/design.md §9). Pure: no I/O, so every error code can be tested directly. */
#ifndef CCHC_VALIDATE_H
#define CCHC_VALIDATE_H

#include "auth.h"
#include "cchc/v1/records.pb-c.h"
#include "units.h"

#include <stddef.h>

#define VALIDATE_CODE_MAX 32

#define VALIDATE_EVENT_ID_MAX   64
#define VALIDATE_DOSSIER_MAX    64
#define VALIDATE_CODE_FIELD_MAX 32 /* procedure, field */
#define VALIDATE_OFFICE_MAX     15

/* Returns 0 when the record may be stored; otherwise -1 with a stable code (bad_field,
 * unknown_office, not_authorized, bad_time, due_before_received, too_large) and a message a person
 * can act on, naming the field and the value's problem. */
int validate_record(const Cchc__V1__Record *r, const units *u, const auth_source *src,
                    char code[VALIDATE_CODE_MAX], char *msg, size_t msglen);

#endif
