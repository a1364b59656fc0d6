-- 012_console_users: the console's accounts (docs/design.md §14), and the audit chain's entries
-- that are not batches. Clients hash the passwords (Argon2id, libsodium's crypto_pwhash_str);
-- stats keeps the strings and never sees a password. The CHECKs repeat the rules stats applies
-- before writing (lib/accounts.c), so a hand edit cannot make an account the console cannot read.
CREATE TABLE console_user (
	name text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
	role text NOT NULL CHECK (role IN ('viewer', 'officer', 'admin')),
	scope text NOT NULL,             -- unit code; '' = the whole province
	disabled boolean NOT NULL DEFAULT false,
	hash text NOT NULL CHECK (hash LIKE '$argon2id$%'),
	created_ms bigint NOT NULL,      -- Unix milliseconds
	changed_ms bigint NOT NULL       -- last change of hash, role, scope or disabled
);

-- The audit chain holds batches (and closings, written as batches) and now also account changes
-- (kind 'user': event add|disable|enable|passwd, the account, who made the change, the role and
-- scope of an add in detail) and the console's sign-in events (kind 'console': event
-- login|login-failed|login-locked|logout, the account and the client's address). Entries of the
-- new kinds are hashed with a canonical text of their own that covers every column
-- (services/stats/audit.c); a batch's text is unchanged, so the entries written before this
-- migration still verify. The defaults fill the old rows without a rewrite.
ALTER TABLE audit_log
	ADD COLUMN kind text NOT NULL DEFAULT 'batch' CHECK (kind IN ('batch', 'user', 'console')),
	ADD COLUMN event text NOT NULL DEFAULT '',
	ADD COLUMN account text NOT NULL DEFAULT '',
	ADD COLUMN actor text NOT NULL DEFAULT '',
	ADD COLUMN address text NOT NULL DEFAULT '',
	ADD COLUMN detail text NOT NULL DEFAULT '';
