# Coffre's messages in English. Every id here exists in ../fr/coffre.ftl with the
# same variables (checked by tests/i18n_catalog.rs). How to add a message: docs/i18n.md.

## Categories of errors (the exit code depends on them, not on the words)
error-usage = { $detail }
error-refused = refused: { $detail }
error-pending = access pending: { $detail }
error-auth = authentication failed: { $detail }
error-integrity = integrity failure: { $detail }
error-policy = invalid policy { $file }: { $detail }
error-policy-line = invalid policy { $file}:{ $line }: { $detail }
error-not-found = not found: { $detail }
error-busy = { $detail }
error-audit-unavailable = the audit log could not be written, so nothing was done (no audit, no access): { $detail }
error-io = { $detail }
error-interrupted = interrupted: { $detail }

## Operating-system errors
io-reason-not-found = no such file or directory
io-reason-permission-denied = permission denied
io-reason-already-exists = it already exists
io-reason-storage-full = no space left on the disk
io-reason-read-only = the disk is read-only
io-reason-unexpected-eof = the file ends too early
io-reason-interrupted = interrupted
io-reason-invalid-data = invalid data
io-reason-would-block = the resource is busy
io-reason-broken-pipe = the output was closed
io-reason-timed-out = timed out
io-reason-other = system error { $code }

## Dates and numbers
date-time = { $day } { $month } { $year }, { $hour }:{ $minute }
date-only = { $day } { $month } { $year }

## Language
lang-unknown = unknown language '{ $value }' (from { $source }): Coffre speaks fr (French) and en (English)

## Messages built outside the mechanical list
audit-log-not-start-at-origin = audit { $place }: the log does not start at this vault's origin (the log replaced or from another vault, or the vault's settings `meta` replaced)
audit-entry-does-not-link = audit entry { $seq } does not link to entry { $previous }: one of the two was altered
audit-write-failed = the audit entry could not be written: { $reason }
passphrase-empty = the passphrase is empty: type one
passphrase-too-weak = passphrase too weak: at least 12 characters, hard to guess (several unrelated words, for example)
clock-finding-now = the system clock reads { $now }, { $days } d { $hours } h { $minutes } min { $ahead ->
    [yes] after
   *[no] before
} the vault's latest audit entry ({ $reference })
clock-finding-history = audit entry { $at } is dated { $now }, { $days } d { $hours } h { $minutes } min { $ahead ->
    [yes] after
   *[no] before
} the entry before it ({ $reference }): the clock jumped and no one has confirmed it since
clock-looks-wrong = { $offset }: the clock looks wrong, and { $action } depends on it; check the system clock, or give --confirm-clock if the date is right
policy-cannot-read = cannot read: { $reason }
policy-toml-syntax = { $detail }
import-at-entry = entry { $n }: { $detail }
import-partial = { $detail } ({ $done } entries of { $total } were written before this error; once it is fixed, running the same file again skips them)

## Errors and outcomes of the library
cannot-read-audit-log = cannot read the audit log: { $reason }
first-audit-entry-incomplete-longer-than = the first audit entry is incomplete or longer than any valid entry
malformed-checkpoint-bad-signature-line = malformed checkpoint: bad signature line
key-derivation-failed = key derivation failed
signing-key-derivation-failed = signing key derivation failed
checkpoint-file-truncated-damaged = the checkpoint file is truncated or damaged
log-not-this-vaults-genesis = line 1 of the audit log is not the genesis of this vault ({ $genesis }): the log was replaced or rebuilt
genesis-not-64-hex = '{ $g }' is not a genesis hash (64 hexadecimal digits)
checkpoint-file-framing = the checkpoint file is not framed as the format says ({ $what }): it was altered or damaged
checkpoint-file-not-utf8 = the checkpoint file is not UTF-8: it was altered or damaged
given-checkpoint-not-utf8 = the given checkpoint is not UTF-8: it was altered or damaged
audit-no-checkpoint = the audit log holds { $entries } entries but no signed checkpoint: the checkpoints were removed
malformed-checkpoint = malformed checkpoint: { $what }
cannot-encode-audit-entry = cannot encode an audit entry: { $e }
audit-valid-entry-altered-damaged = audit { $place } is not a valid entry: it was altered or damaged
audit-line-malformed = audit { $place } is not a well-formed line ({ $why }): it was altered or damaged
audit-line-would-be-malformed = an audit line could not be written: it would not be well formed ({ $why })
line-flaw-too-long = 65,536 bytes or more
line-flaw-not-utf8 = not UTF-8
line-flaw-pruned = a damaged pruned line
line-flaw-members = not the members of an entry, in their order, in compact form
line-flaw-version = an unknown format version
line-flaw-number = a malformed entry number
line-flaw-dprev = a malformed dprev (a number from 0, or null when the dossier is null)
line-flaw-aprev = a malformed aprev (a number from 0)
line-flaw-prev = a malformed link to the line before
line-flaw-time = a malformed time
line-flaw-text = a string not in canonical form
line-flaw-categories = categories not sorted or repeated
line-flaw-outcome = an unknown outcome
line-flaw-nonce = a malformed nonce
line-flaw-justification = a malformed justification
line-flaw-fact = a fact not in the canonical form of a known kind
line-flaw-signature = a malformed signature
audit-unknown-format-version = audit { $place } has unknown format version { $v }
date-yyyy-mm-dd-time-yyyy = '{ $s }' is not a date (14/05/2012 or 2012-05-14) or a time (2012-05-14T10:00:00Z)
audit-entry-canonical-form = audit { $place } (entry { $seq }) is not in canonical form
audit-number-where-expected-entries-removed = audit { $place } has number { $seq } where { $expected_seq } was expected: entries were removed, reordered or inserted
cannot-open-audit-log = cannot open the audit log: { $reason }
audit-log-holds-bytes-bytes-entries = the audit log holds { $len } bytes but { $offset } bytes ({ $size } entries) were recorded: entries were cut off or the log was replaced
recorded-audit-state-damaged = the recorded audit state is damaged
audit-entry-differs-one-recorded-log = audit entry { $size } differs from the one recorded: the log was altered or replaced
fact-valid-json = a fact is not valid JSON: { $e }
fact-line-unexpected-shape = a fact line has an unexpected shape
audit-entry-too-long-shorten-justification = audit entry too long (shorten the justification)
audit-log-moved-while-entry-being = the audit log moved while an entry was being prepared
audit-index-points-past-end-log = the audit index points past the end of the log
audit-log-does-end-where-recorded = the audit log does not end where it was recorded to end
audit-entry-longer-than-any-valid = an audit entry is longer than any valid entry
cannot-repair-audit-log = cannot repair the audit log: { $reason }
cannot-read-checkpoints = cannot read the checkpoints: { $reason }
cannot-repair-checkpoints = cannot repair the checkpoints: { $reason }
regular-file = { $path } is not a regular file
cannot-write-log-file = cannot write a log file: { $reason }
holds-bytes-where-least-written-before = { $into_owned } holds { $len } bytes where at least { $offset } were written before: it was cut
cannot-sync-log-file = cannot sync a log file: { $reason }
belongs-another-vault-log-s-first = { $what } belongs to another vault (or the log's first entry was altered)
signature-invalid = { $what }: the signature is invalid
signed-key-s-checkpoint-key = { $what }: signed with a key that is not { $s }'s checkpoint key
signed-any-staff-member-vault = { $what }: not signed by any staff member of this vault
goes-back-entries-checkpoints-reordered-log = { $c } goes back from { $size } entries: checkpoints were reordered or the log rewritten
audit-entry-longer-than-any-valid-2 = audit entry { $size } is longer than any valid entry
audit-entry-incomplete-interrupted-write-opening = audit entry { $size } is incomplete (an interrupted write; opening the vault repairs it)
entries-do-match-root-signed-entry = entries { $from } to { $size } do not match the root signed in { $c }: entry { $size } or the order of entries was altered
today-s-log-does-extend-given = today's log does not extend the given checkpoint ({ $s }): entries up to { $size } were rewritten
log-entries-covers-entries-cut-off = the log has { $entries } entries but { $c } covers { $size }: entries were cut off the end
store-recorded-checkpoint-entries-latest-checkpoint = the store recorded a checkpoint of { $checkpointed } entries but the latest checkpoint covers { $signed }: checkpoints were removed
log-entries-store-recorded-entries-cut = the log has { $entries } entries but the store recorded { $size }: entries were cut off the end
log-entries-given-checkpoint-covers-entries = the log has { $entries } entries but the given checkpoint covers { $size }: entries were cut off or the log replaced
consistency-proof-between-given-checkpoint-today = the consistency proof between the given checkpoint and today's log fails
cannot-read = cannot read { $path }: { $e }
line-entry-column-expected-dossier-kind = line { $n }: not an entry ({ $JSON }, column { $column }); expected {"{"}"dossier", "kind", "fields"{"}"}
line-cannot-read = line { $n }: cannot read: { $e }
cannot-install-interruption-handler = cannot install the interruption handler: { $e }
while-file-being-checked-nothing-imported = while the file was being checked; nothing was imported
entries-imported-run-import-run-same = { $done } entries of { $total } are imported, { $written } by this run (import { $id }); run the same command again to import the rest: the entries already imported are skipped
cannot-read-passphrase = cannot read the passphrase: { $e }
passphrase-run-coffre-terminal-set-coffre = no passphrase: run coffre in a terminal, or set COFFRE_PASSPHRASE
two-passphrases-differ = the two passphrases differ
coffre-new-passphrase-utf-8-text = COFFRE_NEW_PASSPHRASE is not UTF-8 text
new-passphrase-run-coffre-terminal-set = no new passphrase: run coffre in a terminal, or set COFFRE_NEW_PASSPHRASE
field-must-written-name-value = a --field must be written NAME=VALUE
only-one-field-may-read-standard = only one field may be read from standard input
cannot-read-standard-input = cannot read standard input: { $e }
field-cannot-read = field '{ $name }': cannot read { $path }: { $e }
field-value-utf-8-text = field '{ $name }': the value is not UTF-8 text
cannot-write-output = cannot write output: { $e }
data-directory-platform-give-vault-dir = no data directory on this platform: give --vault DIR
say-who-you-user-id-coffre = say who you are: --user ID or COFFRE_USER
encoding-failed = cannot encode the data: { $detail }
give-vault-dir-new-folder-restore = give --vault DIR: a new folder to restore into
cannot-read-2 = cannot read { $p }: { $e }
signed-checkpoint-yet = no signed checkpoint yet
cannot-create = cannot create { $path }: { $e }
cannot-write = cannot write { $path }: { $e }
already-exists-choose-new-file-recovery = { $p } already exists; choose a new file for the recovery key
entries-dossier-damaged-altered-others-shown = entries { $join } of dossier { $id } are damaged or altered; the others are shown (run `coffre check`)
outcome-one-ok-denied-failed-error = --outcome is one of ok, denied, failed, error
cannot-encrypt-backup = cannot encrypt the backup: { $e }
give-out-file-backup-verify-file = give --out FILE, or `backup verify FILE`
recovery-key-vault = this is not the recovery key of this vault
exists-give-new-folder = { $out_dir } exists: give a new folder
cannot-create-2 = cannot create { $out_dir }: { $e }
holds-share = { $p } holds no share
shares-do-rebuild-key = the shares do not rebuild a key
damaged-item-s = { $damaged_count ->
    [one] { $damaged_count } damaged item
   *[other] { $damaged_count } damaged items
}
cannot-encrypt-recipient = cannot encrypt to this recipient: { $e }
give-recipient-passphrase = give --recipient or --passphrase
access-view-person-run-without-user = access view is for the person: run it without --user
command-needs-user = this command needs --user
coffre-backup-age-file = { $path } is not a coffre backup (not an age file)
recovery-key-does-open-backup = this recovery key does not open this backup
damaged-header-does-verify = { $path } is damaged: its header does not verify
invalid-key = invalid key
value-too-large-bytes-most = value too large: { $plaintext_count } bytes, at most { $MAX_PLAINTEXT }
sealing-failed = sealing failed
sealed-value-failed-open-altered-moved = a sealed value failed to open (altered, moved or wrong key)
stored-key-derivation-parameters-out-bounds = stored key-derivation parameters are out of bounds
stored-key-derivation-parameters-invalid = stored key-derivation parameters are invalid
system-random-generator-failed = the system random generator failed
stored-key-wrong-length = a stored key has the wrong length
choose-2-threshold-shares-e-g = choose 2 ≤ threshold ≤ shares (e.g. --threshold 2 --shares 3)
share = share { $n }: { $what }
give-shares-share-file = give the shares with --share FILE
share-s-given-needed = { $shares_count ->
    [one] { $shares_count } share given
   *[other] { $shares_count } shares given
}, { $k } needed
shares-do-combine = the shares do not combine
valid-age-identity-age-secret-key = not a valid age identity (AGE-SECRET-KEY-1…)
line-valid-age-identity = line { $i }: not a valid age identity
age-identity-found-key-file = no age identity found in the key file
valid-age-recipient-age1 = not a valid age recipient (age1…)
age-encryption-failed = age encryption failed: { $e }
age-encryption-failed-2 = age encryption failed: { $reason }
wrapped-key-malformed = a wrapped key is malformed
wrapped-key-failed-open = a wrapped key failed to open
demo-expected-refusal = the demo expected a refusal
cannot-forbid-core-dumps-setrlimit = cannot forbid core dumps (setrlimit): { $e }
cannot-forbid-core-dumps-prctl = cannot forbid core dumps (prctl): { $e }
cannot-create-folder = cannot create a folder: { $reason }
cannot-make-folder-private = cannot make a folder private: { $reason }
audit-log-longer-holds-entry-when = the audit log no longer holds entry { $size } as it was when this member last verified it: entries were removed or rewritten
cannot-encode-fact = cannot encode a fact: { $e }
audit-entry-carries-fact-valid-altered = audit entry { $seq } carries a fact that is not valid: it was altered or damaged
not-64-hex-digits = { $what } is not 64 lower-case hex digits
vault-created-earlier-version-coffre-whose = this vault was created by an earlier version of coffre, whose rights records are not signed: this version refuses to trust it (there is no upgrade path yet; keep using the earlier version for this vault)
audit-time-valid = audit { $place } has a time that is not valid
audit-fact = audit { $place } has no fact
audit-signed-names-actor-log-forged = audit { $place } is signed by '{ $signer }' but names '{ $actor }' as its actor: the log was forged
audit-signed-who-holds-signing-key = audit { $place } is signed by '{ $signer }', who holds no signing key in the rights register at that point: the log was forged
audit-signature-fact-does-verify-entry = audit { $place }: the signature of its fact does not verify: the entry was altered or forged
audit-log-ends-entry-before-recorded = the audit log ends at entry { $size } before its recorded end
audit-entry-carries-fact-signer-may = audit entry { $seq } carries a fact its signer may not make ({ $why }): the rights register was forged
cannot-read-journal = cannot read the journal: { $reason }
earlier-write-journal-failed-close-coffre = an earlier write to the journal failed; close coffre and open the vault again
cannot-encode-journal-record = cannot encode a journal record: { $e }
change-too-large-one-journal-record = the change is too large for one journal record
cannot-write-journal = cannot write the journal: { $reason }
cannot-reset-journal = cannot reset the journal: { $reason }
invalid-id-use-1-64-characters = invalid { $kind } id: use 1 to 64 characters among a-z, 0-9, '.', '_' and '-'
store-key-text = a store key is not text
store-overlay-lock-poisoned = store overlay lock poisoned
cannot-encode-record = cannot encode a record: { $e }
stored-record-corrupt = a stored { $what } record is corrupt
record-store-s-files-store-damaged = the record store's files (store/) are damaged: sled found a checksum error in its log; this is a storage fault, not a sign of tampering; restore the vault from a backup
vault-open-another-coffre-process-close = the vault is open in another coffre process; close it and retry
record-store-error = record store error: { $other }
cannot-list-store = cannot list the store: { $reason }
cannot-sync-store-disk = cannot sync the store to disk: { $reason }
cannot-sync-store-directory = cannot sync the store directory: { $reason }
store-lock-poisoned = store lock poisoned
cannot-move-damaged-snapshot-store-aside = cannot move a damaged snapshot of the store aside: { $reason }
cannot-clean-store = cannot clean the store: { $reason }
space-check-lock-poisoned = space check lock poisoned
enough-disk-space-mib-free-about = not enough disk space: { $left } MiB free, about { $div_ceil } MiB needed; nothing was written
holds-control-text-direction-character-u = { $what } holds a control or text-direction character (U+{ $u32 }): line breaks, tabs and such characters are not allowed in names
dossier-erased = dossier { $id } was erased
break-glass-justification-required-1-characters = a break-the-glass justification is required (1 to { $MAX_JUSTIFICATION } characters)
dossier = dossier { $dossier }
staff-member = staff member '{ $user }'
staff-name-text = a staff name is not text
staff-directory-key-granted-you-yet = the staff directory key has not been granted to you yet
category-needs-author = category '{ $category }' needs an author
key-lock-poisoned = key lock poisoned
record-does-match-signed-rights-register = the record { $record } ({ $what }) does not match the signed rights register: it was changed outside coffre
rights-register-lock-poisoned = rights register lock poisoned
rights-register-verified-yet-unlock-first = the rights register is not verified yet (unlock first)
audit-log-holds-signed-genesis-emptied = the audit log holds no signed genesis: it was emptied or replaced
change-allowed-rights-register = this change is not allowed by the rights register ({ $fact })
audit-log-longer-holds-entry-saw = the audit log no longer holds entry { $size } as '{ $member }' saw it at their last command: entries were removed or rewritten since (compare with a checkpoint kept off the machine)
signed-record-where-left-log-least = the signed record of where '{ $signer }' left the log (at least entry { $size }) is missing or older: the end of the log was cut or rewritten
vault-restored-backup-holding-entries-checkpoint = the vault was restored on { $time } from a backup of { $created } holding { $n } entries; the checkpoint you gave ({ $size } entries, signed by { $claimed_signer }) is from after that backup: its entries after entry { $n } were lost with the restore, not rewritten here (if the restore was intended, keep a checkpoint taken since; { $failure })
cannot-create-temporary-folder-check-store = cannot create a temporary folder to check the store: { $reason }
cannot-copy-store-check = cannot copy the store to check it: { $reason }
vault-use-another-coffre-process-wait = the vault { $dir } is in use by another coffre process; wait for it to finish and retry, or use --wait SECONDS
vault-create-one-coffre-init-give = no vault in { $dir }; create one with `coffre init` or give --vault
cannot-read-vault-s-policy = cannot read the vault's policy: { $reason }
vault-s-policy-toml-changed-outside = the vault's policy.toml was changed outside coffre (its fingerprint does not match)
audit-log-missing = the audit log { $audit_path } is missing
audit-entry-s-time-valid-time = an audit entry's time is not a valid time
audit-entry-s-time-before-1970 = an audit entry's time is before 1970
cannot-sync-vault-directory = cannot sync the vault directory: { $reason }
earlier-change-could-applied-kept-journal = an earlier change could not be applied; it is kept in the journal: close coffre and open the vault again (the change is applied then)
journal-lock-poisoned = journal lock poisoned
change-saved-journal-could-applied-now = a change was saved in the journal but could not be applied now ({ $e }); it will be applied when the vault is next opened: close coffre, open the vault again and check that the operation went through
nothing-appended = nothing appended
audit-log-first-entry-name-vault = the audit log has no first entry to name the vault
injected-failure = injected failure
establishment-admin-names-must-empty = the establishment and admin names must not be empty
already-holds-vault = { $dir } already holds a vault
unknown-profession = unknown profession '{ $admin_profession }'
first-member-must-able-manage-staff = the first member must be able to manage staff; '{ $admin_profession }' cannot
cannot-write-vault-s-policy = cannot write the vault's policy: { $reason }
audit-key = audit key
directory-key = no directory key
genesis-recorded = the genesis was not recorded
cannot-open-vault-lock = cannot open the vault lock: { $reason }
vault-held-by-server = the vault { $dir } is held by Coffre's web server (process { $pid }): do it in the browser, at { $url }, or stop the server and retry. What needs the recovery key is done with the server stopped. For the server and commands to work at the same time, move the vault to PostgreSQL (coffre migrate).
vault-held-by-process = the vault { $dir } is in use by another coffre process (process { $pid }); wait for it to finish and retry, or use --wait SECONDS
cannot-lock-vault = cannot lock the vault: { $reason }
audit-index-damaged = the audit index is damaged
vault-s-settings-missing = the vault's settings are missing
store-record-audit-log = the store has no record of the audit log
vault-format-coffre-reads-format = this vault has format { $format }, this coffre reads format { $FORMAT }
audit-recipient-damaged = the audit recipient is damaged
audit-log-lock-poisoned = audit log lock poisoned
audit-index-lock-poisoned = audit index lock poisoned
dossier-2 = dossier { $id }
cannot-unlock = cannot unlock as '{ $user }': { $detail }
sealed-identity-corrupt = a sealed identity is corrupt
key-generation-record-damaged = a key generation record is damaged
vault-key = the vault has no key '{ $name }'
cannot-write-export = cannot write the export: { $reason }
dossier-erased-2 = dossier { $dossier } was erased
data-key-record-malformed-key = a data-key record has a malformed key
export-needs-keys-you-do-hold = the person's copy needs the keys of { $categories }, which you do not hold: a colleague who holds them can make it, or it is made with the recovery key
cli-export-give-recovery-key = { $reason } (--recovery-key FILE)
export-objected-for-your-profession = the person objected to sharing { $categories } with your profession: their copy is made by a colleague of another profession, or with the recovery key
audit-detail-export-keys-not-held = keys not held; nothing exported
audit-detail-readable-copy = the readable copy
dossier-identity-key = the dossier has no identity key
export-changed-while-written-run-again = the export changed while it was written; run it again
none-justification-s-dossier-opens-your = none of the { $unreadable } justification(s) of dossier { $dossier } opens with your audit keys
cannot-open-dossier = cannot open dossier { $dossier }: { $detail }
unknown-category = unknown category '{ $category }'
unknown-profession-2 = unknown profession '{ $profession }'
objection-record-malformed-key = an objection record has a malformed key
write-lock-poisoned = write lock poisoned
note-empty = the note is empty
entry-your-dossier = entry { $e } is not in your dossier
your-access-your-dossier-complete-yet = your access to your dossier is not complete yet; ask the establishment
your-key-does-open-your-dossier = your key does not open your dossier
dossier-header-corrupt = a dossier header is corrupt
birth-date-must-real-date-written = the birth date must be a real date, written DD/MM/YYYY (e.g. 14/05/2012) or YYYY-MM-DD, between 1900 and 2200
date-not-a-date = this is not a date: write it DD/MM/YYYY (e.g. 14/05/2012) or YYYY-MM-DD
date-two-digit-year = write the year in full, with four digits (14/05/2012, not 14/05/12): with two digits the century is not certain
name-must-1-200-characters = the name must have 1 to 200 characters
identity-key-granted-you-yet = the 'identity' key has not been granted to you yet
name-index-key-granted-you-yet = the name-index key has not been granted to you yet
give-least-one-word-two-letters = give at least one word of two letters or more
name-search-too-long = a name search has at most { $max } characters, as a name has
staff-member-revoked = staff member '{ $staff }' has been revoked
staff-member-2 = staff member '{ $staff }'
data-key-dossier-missing = the data key of '{ $cat }' in dossier { $dossier } is missing
unknown-entry-kind-see-coffre-policy = unknown entry kind '{ $kind }' (see `coffre policy show`)
give-least-one-field-name-value = give at least one --field NAME=VALUE
kind-field-fields = kind '{ $kind }' has no field '{ $name }' (fields: { $join })
field-given-twice = field '{ $name }' is given twice
key-category-granted-you-yet = the key of category '{ $cat }' has not been granted to you yet
key-category-granted-you-yet-holders = the key of category '{ $cat }' has not been granted to you yet: it is handed over as soon as one of these colleagues opens Coffre: { $holders }
cannot-create-erasure-key = cannot create an erasure key: { $reason }
cannot-write-erasure-key = cannot write an erasure key: { $reason }
erasure-key-dossier-damaged = the erasure key of dossier { $dossier } is damaged
erasure-key-dossier-missing = the erasure key of dossier { $dossier } is missing
cannot-read-erasure-key = cannot read an erasure key: { $reason }
cannot-overwrite-erasure-key = cannot overwrite an erasure key: { $reason }
cannot-open-erasure-key = cannot open an erasure key: { $reason }
cannot-remove-erasure-key = cannot remove an erasure key: { $reason }
cannot-sync-erasure-keys-folder = cannot sync the erasure keys folder: { $reason }
dossier-already-erased = dossier { $dossier } is already erased
give-reason-erasure-1-2000-characters = give the reason for the erasure (1 to 2000 characters)
cannot-read-import-file = cannot read the import file: { $reason }
entry = entry { $id }
list-dossier-holds-another-entry-under = the list of dossier { $dossier } holds another entry under { $id }
entry-missing-extra-versions = entry { $id } has missing or extra versions
field-value-text = a field value is not text
dossier-erased-3 = dossier { $dossier } is erased
unknown-retention-rule-rules = unknown retention rule '{ $rule }' (rules: { $join })
dossier-names-unknown-retention-rule = dossier { $id } names an unknown retention rule
establishment-s-policy-requires-recorded-approval = this establishment's policy requires a recorded approval: give --approval "reference"
you-cannot-revoke-yourself = you cannot revoke yourself
staff-member-3 = staff member '{ $id }'
already-revoked = '{ $id }' is already revoked
revoked = '{ $id }' is revoked
new-audit-key-text = the new audit key is not text
data-dossier-must-moved-new-key = the '{ $category }' data of dossier { $dossier } must be moved to the new key by a holder of the previous one first
unknown-profession-see-coffre-policy-show = unknown profession '{ $profession }' (see `coffre policy show`)
staff-member-already-exists = a staff member '{ $id }' already exists
establishment-name-text = the establishment name is not text
active-staff-member = active staff member '{ $id }'
you-cannot-approve-yourself = you cannot approve yourself
cannot-write-backup = cannot write the backup: { $reason }
changed-while-backed-up = { $name } changed while it was backed up
cannot-read-vault-backup = cannot read the vault for the backup: { $reason }
changed-while-backed-up-2 = { $path } changed while it was backed up
backup-damaged-incomplete = the backup is damaged or incomplete: { $what }
exists-empty-restore-into-new-folder = { $dir } exists and is not empty: restore into a new folder
cannot-restore-file = cannot restore a file: { $reason }
unsupported-policy-format-coffre-reads-format = unsupported policy format (this Coffre reads format = 1)
break-glass-hours-must-between-1 = break_glass_hours must be between 1 and 24
unknown-time-zone-use-iana-name = unknown time zone '{ $get_ref }' (use an IANA name like Europe/Paris)
work-start-hour-must-between-0 = work_start_hour must be between 0 and 23
work-end-hour-must-after-work = work_end_hour must be after work_start_hour and at most 24
burst-dossiers-must-least-2 = burst_dossiers must be at least 2
burst-minutes-must-between-1-1440 = burst_minutes must be between 1 and 1440
clock-max-ahead-days-must-between = clock_max_ahead_days must be between 1 and 3660
category-identifier-invalid-z-0-9 = category identifier '{ $id }' is invalid (a-z, 0-9, '-', '_')
category-author-only-break-glass-never = category '{ $id }' is author-only: break-glass can never open it
category-withheld-must-give-legal-reason = category '{ $id }': 'withheld' must give the legal reason
category-author-only-never-given-person = category '{ $id }' is author-only, so it can never be given to the person supported: add withheld = "legal reason"
category-identity-required-holds-person-s = a category 'identity' is required (it holds the person's name)
profession-identifier-invalid = profession identifier '{ $id }' is invalid
profession-unknown-category = profession '{ $id }': unknown category '{ $cat }'
profession-author-only-list-under-write = profession '{ $id }': '{ $cat }' is author-only, list it under write (authors read their own)
profession-category-listed-twice = profession '{ $id }': category '{ $cat }' is listed twice
profession-unknown-capability-known = profession '{ $id }': unknown capability '{ $get_ref }' (known: { $names })
profession-may-create-dossiers-may-write = profession '{ $id }' may create dossiers but may not write 'identity'
profession-may-manage-staff-nobody-could = no profession may manage staff: nobody could add anyone
kind-identifier-invalid = kind identifier '{ $id }' is invalid
kind-field = kind '{ $id }' has no field
kind-field-name-invalid = kind '{ $id }': field name '{ $name }' is invalid
kind-field-unknown-category = kind '{ $id }': field '{ $name }' has unknown category '{ $get_ref }'
retention-rule-identifier-invalid = retention rule identifier '{ $id }' is invalid
retention-years-must-between-1-200 = retention years must be between 1 and 200
default-retention-rule-defined = the default retention rule '{ $get_ref }' is not defined
retention-unknown-category = retention: unknown category '{ $cat }'
note-written-person-theirs-cannot-amended = a note written by the person is theirs: it cannot be amended by staff
profession-may-write-category = the profession '{ $profession }' may not write category '{ $cat }'
field-author-only-written-someone-else = field '{ $name }' is author-only and was written by someone else
you-hold-key-category = you hold no key for category '{ $cat }'
you-care-team-dossier = you are not in the care team of dossier { $dossier }
profession-may-manage-retention = the profession '{ $profession }' may not manage retention
profession-may-search-names = the profession '{ $profession }' may not search names
only-care-team-managers-dossier-s = only care-team managers and the dossier's creator may { $what }
profession-may = the profession '{ $profession }' may not { $what }
profession-may-break-glass = the profession '{ $profession }' may not break the glass
restricted-key-waiting-approval-you-give = no restricted key of '{ $id }' is waiting for an approval you can give
profession-may-check-vault = the profession '{ $profession }' may not check the vault
profession-may-read-audit-reports = the profession '{ $profession }' may not read audit reports
signed = it is not signed
signer-active-member = the signer is not an active member
profession-may-2 = its profession may not { $what }
dossier-does-exist = dossier { $id } does not exist
log-does-start-vault-s-genesis = the log does not start with the vault's genesis
genesis-after-first-entry = a genesis after the first entry
genesis-signed-first-member = the genesis is signed by its first member
first-member-must-manage-staff = the first member must manage staff
active-member = '{ $member }' is not an active member
key = no key '{ $name }'
entitled = '{ $member }' is not entitled to { $name }
signer-does-hold = the signer does not hold { $name }
key-2 = no key '{ $key }'
signer-does-hold-2 = the signer does not hold { $key }
key-generation-out-order = a key generation out of order
signer-does-hold-audit-key = the signer does not hold the audit key
dossier-exists-already = dossier { $dossier } exists already
only-manager-creator-closes-dossier = only a manager or the creator closes a dossier
only-team-manager-creator-changes-care = only a team manager or the creator changes a care team
break-glass-opened-own-member = a break-glass is opened by its own member
break-glass-window-longer-than-policy = a break-glass window longer than the policy allows
data-key-named-without-label = a data key named without its label
signer-may-make-key = the signer may not make the key { $key }
content-change-one-entry-written-amended = a content change is entries written or one entry amended
signer-dossier-s-care-team = the signer is not in the dossier's care team
staff-id-valid = a staff id that is not valid
new-member-must-active = a new member must be active
revocation-final = a revocation is final
only-recovery-key-gives-member-new = only the recovery key gives a member a new identity
unknown-member = unknown member
cannot-open-journal = cannot open the journal: { $reason }
cannot-create-journal = cannot create the journal: { $reason }

## Policy labels
policy-label-missing = { $what ->
    [category] category
    [kind] kind
    [profession] profession
   *[field] field
} '{ $id }' has no { $key } (its { $lang ->
    [fr] French
   *[en] English
} label): every category, kind, profession and field needs label (French) and label_en (English)
policy-label-empty = { $what ->
    [category] category
    [kind] kind
    [profession] profession
   *[field] field
} '{ $id }': { $key } is empty
policy-field-label-missing = kind '{ $id }': field '{ $name }' has no labels: add [fields.{ $name }] with label (French) and label_en (English)
policy-field-name-invalid = field name '{ $name }' is invalid
policy-language-unknown = unknown language '{ $value }': write language = "fr" or "en"

## Audited actions, withheld fields, warnings (src/i18n/words.rs)
action-dossier-read = read the file
action-dossier-find = found the file by a name search
action-entry-read = read an entry
action-entry-history = read the versions of an entry
action-entry-add = wrote an entry
action-entry-amend = corrected an entry
action-dossier-create = opened the file
action-break-glass-open = opened the file in an emergency (break the glass)
action-team-add = added a professional to the care team
action-audit-history = consulted who accessed the file
action-audit-read = consulted the audit log
action-audit-release = released the emergency-access justifications to the person
action-access-export = exported the file for the person
action-other = { $id }
action-refused = was refused: { $what }
action-failed = failed: { $what }
withheld-not-permitted = not permitted for your profession
withheld-author-only = readable by its author only
withheld-pending = access pending: key not granted yet
withheld-not-under-break-glass = never opened by break-the-glass
withheld-objection = the person objects to sharing it with your profession
withheld-from-person = withheld from the person's own access (see the legal reason)
warning-loose-permissions = { $path } had mode { $mode }: other accounts of this machine could reach it; { $fixed ->
    [yes] made private (owner only)
   *[no] could not change it: make the vault folder and its files owner-only (chmod -R go-rwx)
}
warning-damaged-snapshot-moved = the store's snapshot { $file } was damaged (a storage fault, not tampering): moved to { $moved_to } and rebuilt from the store's log; no data was lost
warning-damaged-snapshot-kept = the store's snapshot { $file } is damaged (a storage fault, not tampering): this check rebuilt it in a temporary copy; the next coffre command run with write access replaces it
warning-unrecorded-entries = entries { $first } to { $last } { $journal ->
    [yes] were restored from the journal after an interruption (a crash or a power cut, or a journal written by someone with access to the disk)
   *[no] were found beyond the recorded end of the log (written outside coffre, or an interrupted write)
}; not vouched for by their signer yet; the next coffre command that opens the vault takes them in and flags them in the log
warning-unapplied-changes = { $count ->
    [one] { $count } change in the journal not yet applied
   *[other] { $count } changes in the journal not yet applied
}; open the vault with coffre (any command) to apply them
cli-person-trail-kept = This access history is kept for { $retention } (CNIL recommendation on logging); older entries are erased.
period-days = { $n ->
    [one] { $n } day
   *[other] { $n } days
}
period-months = { $n ->
    [one] { $n } month
   *[other] { $n } months
}
period-years = { $n ->
    [one] { $n } year
   *[other] { $n } years
}
period-as-written = { $text }
duration = { $days ->
    [0] { $hours ->
        [0] { $minutes } minutes
       *[other] { $hours } hours { $minutes } minutes
    }
   *[other] { $days } days { $hours } hours
}

## The coffre command (src/bin/coffre)
cli-warning = warning: { $text }
cli-weak-kdf = warning: this passphrase uses a weak key derivation (--insecure-fast-kdf): tests and demonstrations only
cli-clock-warning = warning: { $finding }: check the system clock (time-based erasures are refused until it is right, or confirmed with --confirm-clock)
cli-granted-key = granted key '{ $key }' to { $staff }
cli-yes = yes
cli-no = no
cli-nothing = nothing
cli-policy-valid = { $file }: valid ({ $categories } categories, { $professions } professions, { $kinds } kinds)
cli-explain-head = { $user } ({ $profession }) on dossier { $dossier }: { $in_team ->
    [yes] in
   *[no] NOT in
} the care team{ $break_glass ->
    [yes] ; may break the glass in an emergency
   *[no] {""}
}
cli-explain-col-category = category
cli-explain-col-policy = policy
cli-explain-col-key = key
cli-explain-col-now = can read now
cli-explain-policy = { $value ->
    [read] read
    [write] write
    [author-only] author only
    [none] no access
   *[other] { $value }
}
cli-explain-key = { $value ->
    [held] held
    [pending] pending
    [not-entitled] not entitled to it
    [per-author] one per author
    [none] none
   *[other] { $value }
}
cli-backup-intact = backup intact: vault { $vault }, taken { $taken }, { $records } records, { $files } files, audit log verified ({ $entries } entries)
cli-restored = vault { $vault } restored into { $dir } from the backup of { $taken }: { $records } records, audit log verified ({ $entries } entries)
cli-audit-intact = audit log intact: { $entries } entries, { $checkpoints } signed checkpoints, root { $root }
cli-audit-extends = extends the given checkpoint of { $size } entries (consistency proof of { $proof } hashes verified)
cli-audit-unsigned = note: the last { $unsigned } entries are not covered by a signed checkpoint yet (signed at the next command)
cli-checkpoint-written = checkpoint of { $size } entries signed by { $signer } written to { $path }
cli-recovery-written = recovery key written to { $path } — move it off this machine
cli-recovery-shown = RECOVERY KEY (shown once; store it offline, then clear this screen):
cli-vault-created = vault { $vault } created in { $dir }
cli-genesis = genesis { $genesis } (the vault's identity: keep it with the recovery key; every checkpoint names it)
cli-staff-added = staff member { $id } added
cli-keys-pending-none = You have received every key of your profession.
cli-staff-pending = access pending for: { $keys } (granted when a holder unlocks, or now with --recovery-key)
cli-staff-list-pending = pending: { $keys }
cli-staff-status = { $status ->
    [active] active
    [revoked] revoked
   *[other] { $status }
}
cli-team-added = { $staff } added to the care team of { $id }
cli-entry-amended = { $entry } amended: version { $version }
cli-imported = { $written } entries imported{ $skipped ->
    [0] {""}
   *[other] {" "}({ $skipped } imported earlier from this file were skipped)
}
cli-version-line = version { $version }  by { $author }  on { $time }
cli-released = { $released } justification(s) of dossier { $dossier } released to the person (audit entries up to { $up_to }).
cli-released-unreadable = { $unreadable } justification(s) could not be opened with your audit keys and were not released.
cli-released-no-person-access = The person has no personal access yet: their exports show the words; after `access grant`, release again for their own access.
cli-history-head = Who accessed the file { $dossier } ({ $count } events):
cli-justification-words = justification, in their words: "{ $text }"
cli-passphrase-changed = passphrase changed; the old one no longer works
cli-revoked = { $id } revoked: they can no longer unlock
cli-approval-refused = approval of { $id } refused (recorded in the audit log)
cli-approval-request = { $id } ({ $profession }) was added by { $invited_by } on { $invited }; waiting: { $keys }
cli-approved = { $id } approved for { $keys }
cli-profession-set = { $id } is now { $profession }
cli-backup-written = backup written to { $path }: { $records } records, { $entries } audit entries, encrypted to the recovery key
cli-share-file-head = Coffre recovery key share { $n } of { $shares } ({ $threshold } needed). Keep it apart from the others.
cli-shares-written = { $shares } shares written to { $dir } ({ $threshold } needed to rebuild the key); give them to different people, then destroy the key file
cli-recover-how-file = recovery key file
cli-recover-how-shares = reassembled from { $count } shares
cli-recovered = { $staff } has a new passphrase; their keys were re-granted with the recovery key ({ $how })
cli-check-summary = { $records } records, { $checked } sealed fields intact, { $unchecked } not checked (no key: use --recovery-key to check all), { $damaged } damaged
cli-check-damaged = DAMAGED { $item }: { $reason }
cli-rotate-progress = { $done }/{ $total } data keys
cli-rotated = { $done } data key(s) re-wrapped; { $skipped } left for holders of other categories
cli-dossier-closed = dossier { $id } closed: its retention period starts today
cli-dossier-erased = dossier { $id } erased: its keys are destroyed
cli-retention-dry-run = dry run: { $count } dossier(s) would be erased (add --yes):
cli-retention-erased = { $count } dossier(s) erased:
cli-prompt-passphrase = Passphrase for { $who }:
cli-prompt-new-passphrase = New passphrase for { $who }:
cli-prompt-repeat = Repeat it:
cli-prompt-person = the person of dossier { $dossier }
cli-prompt-export = the export
cli-prompt-dossier = dossier { $dossier }
cli-access-granted = personal access to { $dossier } granted
cli-access-missing = not yet readable by the person: { $keys } (follows when a holder of those keys works on the file, or now with --recovery-key)
cli-export-written = export of { $dossier } written to { $path }: { $entries } entries, { $events } access events, { $withheld } withheld field(s)
cli-objection-recorded = objection recorded: '{ $category }' is no longer shared with '{ $profession }' for { $dossier }
cli-objection-recorded-person = objection recorded: '{ $category }' is no longer shared with '{ $profession }'
cli-person-who = { $name }, born { $birthdate }
cli-person-head = Your dossier { $id } — { $who }
cli-person-entry = { $kind } ({ $created }) version { $version }
cli-person-withheld = { $field }: not communicable ({ $category })
cli-person-history-head = Who consulted or changed your dossier:
cli-rotation-pending = rotation pending: { $key } ({ $reason }) — done when a holder of that key unlocks, or with --recovery-key
cli-no-dossier = no dossier
cli-retention-item = { $dossier }  closed { $closed }  rule { $rule }  kept { $years } years ({ $because })  due { $due }{ $past_due ->
    [yes] {"  "}PAST DUE
   *[no] {""}
}
cli-audit-break-glass = BREAK-GLASS
cli-audit-justification = justification (the actor's words): "{ $text }"
cli-summary-born = { $name } (born { $birthdate })
cli-summary-name-withheld = (name withheld)
cli-summary-not-in-team = (not in your care team)
cli-entry-head = entry { $id }  kind { $kind }  version { $version }  by { $author }  on { $time }
cli-field-withheld = {"  "}{ $field } [{ $category }]: WITHHELD ({ $reason })
cli-dossier-who = { $name }, born { $birthdate }
cli-dossier-identity-withheld = identity withheld
cli-dossier-head = dossier { $id }: { $who }
cli-dossier-break-glass = BREAK-THE-GLASS ACCESS: recorded and reported to the data protection officer
cli-dossier-no-entry = no entry yet
cli-policy-head = policy { $name } (format { $format })
cli-policy-break-glass = break-the-glass lasts { $hours } hours
cli-policy-categories = categories:
cli-policy-author-only = author only
cli-policy-withheld = withheld from the person
cli-policy-professions = professions (W write+read, R read):
cli-policy-may = may: { $caps }
cli-policy-kinds = entry kinds:
cli-policy-field = { $name } “{ $label }” ({ $category })
key-name-category = { $category }
key-name-directory = staff directory
key-name-index = name index
key-name-audit = audit log justifications
key-name-to-approve = { $key } (a holder's approval needed)
rotation-reason-revoked = { $member } was revoked
rotation-reason-profession = { $member } changed profession
web-rotation-pending = renewal pending: { $key } ({ $reason }) — done when a holder of this key logs in
web-staff-pending-notice = access pending for: { $keys } (handed over when a holder of these keys logs in)
web-not-in-team-break-glass = you are not in the care team of this dossier; in an emergency, breaking the glass opens it, with a justification
web-author-the-person = the person themself
web-note-ref = the note "{ $kind }" of { $created }
web-versions-about = Note written by { $author } on { $time }, and its corrections
capability-manage-staff = manage staff
capability-create-dossier = create dossiers
capability-manage-team = manage care teams
capability-read-audit = read the audit log
capability-audit-reports = read audit reports
capability-break-glass = break the glass
capability-person-access = handle the person's rights
capability-prune-audit = prune the access trail
capability-erase = erase dossiers
auth-unknown-user = unknown user
auth-revoked = this user has been revoked
auth-wrong-passphrase = wrong passphrase
auth-no-person-access = no personal access was granted for this dossier

## The DPO's audit report (src/audit/render.rs)
report-title = Coffre audit report ({ $scope })
report-scope = { $scope ->
    [full] full report
   *[other] aggregate report
}
report-the-beginning = the beginning
report-now = now
report-period = Period: { $since } to { $until }.
report-integrity = Log integrity: { $integrity }.
report-totals = Entries { $entries } · reads { $reads } · writes { $writes } · refusals { $denied } · break-the-glass { $break_glass } · failed unlocks { $failed } · reads outside working hours { $outside } · recovery key uses { $recovery }
report-per-profession = Per profession (reads / writes / refusals / dossiers read):
report-per-person = Per person (reads / writes / refusals / dossiers read):
report-per-profession-title = Per profession
report-per-person-title = Per person
report-dossier = dossier { $id }
report-justification = justification, in the actor's words: “{ $text }”
report-break-glass = Break-the-glass accesses
report-refusals = Refusals
report-outside-hours = Reads outside working hours
report-bursts = Unusually many dossiers read (at least { $dossiers } within { $minutes } minutes): { $count }
report-burst = { $name } ({ $actor }): { $dossiers } dossiers from { $from } to { $to }
report-failed-unlocks = Failed unlocks
report-recovery-uses = Uses of the recovery key
report-adopted = Log entries taken in without a signature (interrupted command or outside writing)
report-aggregate-only = (Aggregate report: per-person details are for the data protection officer only.)
report-none = None.
report-col-time = Local time
report-col-who = Who
report-col-profession = Profession
report-col-action = Action
report-col-dossier = Dossier
report-col-categories = Categories
report-col-detail = Detail
report-col-entries = Entries
report-col-reads = Reads
report-col-writes = Writes
report-col-refusals = Refusals
report-col-break-glass = Break-the-glass
report-col-failed = Failed unlocks
report-col-outside = Outside hours
report-col-recovery = Recovery key uses
report-col-dossiers-read = Dossiers read
report-purpose = Audit entries never contain what was written. Using this log to evaluate staff would divert it from its purpose.
report-integrity-verified = verified ({ $entries } entries, { $checkpoints } signed checkpoints)
report-section = { $title }: { $count }
you-care-team-dossier-break-glass = you are not in the care team of dossier { $dossier } (in an emergency: --break-glass "justification")
action-unlock = opened a session
action-staff-add = added a staff member
action-staff-approve = approved a staff member's restricted keys
action-staff-revoke = revoked a staff member
action-key-grant = handed over a key
action-key-create = created a key
action-dossier-list = listed their dossiers
action-dossier-close = closed the dossier
action-dossier-erase = erased a dossier
action-team-list = looked at the care team
action-audit-report = read the audit report
action-audit-checkpoint-export = exported a checkpoint of the audit log
action-audit-prune = pruned the access trail past its retention
action-audit-pruned = entry pruned (retention reached)
action-audit-adopted = entries taken into the log after an interruption
action-audit-recipient = changed the key of the audit log's justifications
action-access-grant = gave the person their own access
action-access-keys = gave the person the keys of their file
action-access-view = the person looked at their file
action-access-history = the person looked at the access history
action-access-note = attached the person's note
action-access-object = recorded the person's objection
action-staff-list = looked at the staff list
action-staff-passwd = changed their passphrase
action-staff-recover = restored a staff member's access
action-staff-set-profession = changed a staff member's profession
action-key-rotate = renewed a key
action-key-rewrap = handed over a renewed key
action-vault-init = created the vault
action-vault-check = checked the vault
action-vault-backup = backed up the vault
action-vault-restore = restored the vault
action-vault-migrate = moved the vault
action-index-rebuild = rebuilt the name index
action-recovery-split = split the recovery key
action-retention-apply = erased the dossiers past their retention
action-retention-list = looked at the dossiers past their retention
action-clock-confirm = confirmed the system clock
person-action-team-list = looked at the care team
person-action-access-keys = gave you the keys of your file

## Details the audit log records in English, read back for the reader (src/i18n/recorded.rs)
recorded-staff-add-recovery = profession { $profession }, keys granted with the recovery key
recorded-approved-recovery = approved { $keys } (with the recovery key)
recorded-approved = approved { $keys }
recorded-key-recovery = { $key } (with the recovery key)
recorded-key-rotated = { $category } generation { $generation }, wrapped to { $count } member(s)
recorded-with-recovery-key = with the recovery key
recorded-search-none = name search returned no dossier
recorded-search-in-team = name search returned { $count } dossier(s); this one in the care team
recorded-search-outside = name search returned { $count } dossier(s); this one outside the care team, reachable by break-the-glass
recorded-person-keys = data keys wrapped to the person
recorded-person-keys-removed = data keys wrapped to the person; wraps of withheld categories removed: { $keys }
recorded-keys-to-rotate = keys to rotate: { $keys }
recorded-open-until = open until { $until }
recorded-break-glass-at = break-glass opened at audit entry { $seq }
recorded-within-break-glass = within the break-glass opened at audit entry { $seq }

## --help descriptions (src/bin/coffre/lang.rs)
help-root = Coffre: an encrypted, audited records vault for social and medico-social work.
help-init = Create a new vault with its first staff member (a manager) and a recovery key
help-staff = Manage staff members
help-dossier = Create, find and read dossiers
help-entry = Add, read and amend entries
help-audit = Verify and read the audit log
help-policy = Show and explain the deontology policy
help-access = The person's rights: export, own access, notes, objections
help-retention = Retention periods: dossiers due for erasure
help-keys = Key maintenance
help-backup = Back up the whole vault into one file encrypted to the recovery key (`backup --out FILE`), or check a backup (`backup verify FILE`)
help-check = Check every record, the audit log and every sealed field you (or the recovery key) can open; list what is damaged (exit code 5 if anything is)
help-recovery = The recovery key: split it into shares kept by different people
help-recover = Give a staff member who lost their passphrase a new one, re-granting their keys with the recovery key (reassembled from shares, or the key file)
help-restore = Rebuild a vault from a backup into a new folder (--vault DIR)
help-demo = Build a demonstration establishment with fictitious people and show what each profession sees
help-staff-add = Add a staff member (their passphrase is asked twice, or read from COFFRE_NEW_PASSPHRASE)
help-staff-list = List staff members and their pending key grants
help-staff-passwd = Change your own passphrase (current one as usual; the new one asked twice, or COFFRE_NEW_PASSPHRASE). The old passphrase stops working
help-staff-revoke = Revoke a staff member: no more unlocking; the keys they held are rotated
help-staff-approve = Approve a new member for restricted keys (medical, care, psychologist's summary, justice…) that you hold: shows who added them, their profession and when, then grants. Nothing restricted is ever granted without it
help-staff-set-profession = Change a staff member's profession (grants and rotations follow)
help-dossier-create = Create a dossier; prints its id alone on a line
help-dossier-find = Find dossiers by name (whole words, or their first 3 to 10 letters; case and accents ignored)
help-dossier-list = List the dossiers of your care teams
help-dossier-show = Show a dossier: the fields you may read, the others listed as withheld
help-dossier-team = Manage a dossier's care team
help-dossier-close = Record the end of support: starts the retention period
cli-erase-needs-yes = erasing the dossier { $id } cannot be undone: without a terminal to confirm it, add --yes; nothing was erased
cli-erase-what = The dossier { $id } is about to be erased for good: its keys are destroyed, and nobody, not even with the recovery key, will read its notes in this vault again. Only the erasure, with its reason, stays in the audit log.
cli-erase-prompt = To confirm, type the dossier's id:
cli-erase-not-confirmed = that is not the id of the dossier { $id }: nothing was erased
help-dossier-erase--yes = Erase without asking (scripts): it cannot be undone
help-dossier-erase = Erase a dossier for good by destroying its keys (crypto-shredding)
help-entry-add = Add an entry; prints its id alone on a line
help-entry-show = Show an entry
help-entry-history = Show every version of an entry (corrections keep the earlier text)
help-entry-amend = Amend an entry: adds a version, never overwrites
help-entry-import = Import many entries from a JSON Lines file, one entry per line. The whole file is checked first; entries are then written in groups, each group audited and made durable in one step. Prints the number imported
help-audit-prune = Prune the access trail older than the policy's `[audit] trail_retention` (CNIL recommendation on logging, 2021): each such entry keeps only its hash, so every root and checkpoint still verifies; facts (staff, keys, teams, grants) are never pruned. A dry run unless --yes. Entries after the last checkpoint exported with `audit checkpoint --out` are kept unless --beyond-export. Members whose profession may prune only
help-backup-verify = Check a backup without restoring it: decryption, every member against the manifest, and the audit log inside it
help-dossier-team-add = Add a staff member to the care team
help-dossier-team-list = List the care team
help-audit-verify = Verify every entry, every signed checkpoint and, with --since, that today's log extends an earlier checkpoint (exit code 5 on any alteration). Needs no passphrase
help-audit-checkpoint = Export the latest signed checkpoint, to keep off the machine (paper, e-mail)
help-audit-log = Show audit entries (audit readers only; this read is itself audited)
help-audit-history = The person's access history: who read or changed their file, when, which categories and why (audit readers only)
help-audit-release-justifications = Release to the person the break-the-glass justifications recorded so far in their file, after checking that their words may be shown (they can name third parties). Audit readers only; the release is itself audited
help-audit-report = The data protection officer's report (aggregates only for directors)
help-policy-show = Print the effective policy (the vault's, or the shipped default without a vault)
help-policy-explain = Explain a staff member's access to a dossier, category by category
help-policy-check = Check a policy file and report the first problem with its line
help-access-export = Write the person's file, encrypted with age, for them to take away (report.html, data.json, access-history.json in a tar)
help-access-grant = Give the person their own access to their file (sets their passphrase)
help-access-view = For the person: see your file and who accessed it (no --user; your passphrase)
help-access-note = Attach the person's note (e.g. disagreement with an entry). Without --user, the person writes it with their own access
help-access-object = Record the person's objection to a category being shared with a profession. Without --user, the person records it with their own access
help-retention-due = Closed dossiers past their retention period
help-retention-apply = Erase the dossiers past their period (a dry run unless --yes)
help-keys-rotate = Re-wrap existing data keys under the current generation of their category key after a rotation (resumable; shows progress)
help-keys-waiting = The keys you are still waiting for, and who holds each (by name)
help-recovery-split = Split the recovery key into N shares, any K of which rebuild it (e.g. the director, the DPO and a sealed envelope). Writes share-1.txt … share-N.txt
help-arg-vault = The vault: a folder, or a PostgreSQL database (postgres://USER@HOST/DB?sslmode=verify-full) shared by several sites (default: a folder in the platform's data directory)
help-arg-user = Your staff id
help-arg-json = Print machine-readable JSON
help-arg-wait = If another coffre process has the vault open, wait up to this many seconds
help-arg-lang = The language of messages: fr or en (default: COFFRE_LANG, then the locale, then the policy's language)
help-version-flag = Print the version
help-default = default: { $value }
help-possible-values = possible values: { $values }
help-env = environment variable: { $name }
# Each argument's description in --help: help-<command>--<argument id>.
help-access-export--dossier = Dossier id
help-access-export--out = The file to create
help-access-export--passphrase = Encrypt with a passphrase (asked twice, or COFFRE_NEW_PASSPHRASE)
help-access-export--recipient = Encrypt to this age recipient (age1…)
help-access-export--recovery_key = Open categories you do not hold with the recovery key
help-access-grant--dossier = Dossier id
help-access-grant--recovery_key = Wrap every key at once with the recovery key
help-access-note--dossier = Dossier id
help-access-note--entry = The entry it is about
help-access-note--text = The note
help-access-object--category = Category
help-access-object--dossier = Dossier id
help-access-object--profession = Profession
help-access-view--dossier = Your dossier id
help-audit-checkpoint--out = Where to write it (a new file)
help-audit-history--dossier = Dossier id
help-audit-log--action = Only this action (e.g. dossier.read)
help-audit-log--actor = Only this actor
help-audit-log--dossier = Only this dossier
help-audit-log--outcome = Only this outcome: ok, denied, failed, error
help-audit-log--since = From this day (14/05/2012, midnight UTC) or time (RFC 3339)
help-audit-log--until = Until this date or time (excluded)
help-audit-prune--beyond_export = Also prune entries that the last exported checkpoint does not cover
help-audit-prune--confirm_clock = Go on although the system clock looks wrong (audited)
help-audit-prune--yes = Prune (otherwise only say what would be pruned)
help-audit-release-justifications--dossier = Dossier id
help-audit-report--format = Output format
help-audit-report--since = From this day (14/05/2012, midnight UTC) or time (RFC 3339)
help-audit-report--until = Until this date or time (excluded)
help-audit-verify--since = A checkpoint file exported earlier with `audit checkpoint --out`
help-audit-verify--genesis = The vault's genesis hash (printed by `init`, in the recovery key file): a log rebuilt from scratch is refused
help-backup--out = The backup file to create
help-backup-verify--file = The backup file
help-backup-verify--recovery_key = The recovery key file
help-check--recovery_key = Open every sealed field with the recovery key
help-check--sweep_chunks = Remove the document chunks no committed version names (left by an upload whose process was killed); an upload still running when they go fails at its end and must be sent again
help-demo--dir = Where to build the demo vault (default: a new temporary directory)
help-demo--listen = With --serve: the address to listen on
help-demo--serve = Then serve it in a browser (`coffre serve` on the demo vault)
help-dossier-close--id = Dossier id
help-dossier-close--rule = Retention rule (see `coffre policy show`; default: the policy's)
help-dossier-create--birthdate = Birth date, DD/MM/YYYY (e.g. 14/05/2012) or YYYY-MM-DD
help-dossier-create--name = The person's full name
help-dossier-erase--id = Dossier id
help-dossier-erase--reason = Why (recorded, encrypted, in the audit log)
help-dossier-find--text = Words of the name
help-dossier-show--break_glass = Emergency access outside your care team, with a justification
help-dossier-show--id = Dossier id
help-dossier-team-add--id = Dossier id
help-dossier-team-add--staff_id = Staff id
help-dossier-team-list--id = Dossier id
help-entry-add--dossier = Dossier id
help-entry-add--fields = NAME=VALUE, NAME=@FILE (read a file) or NAME=@- (read standard input)
help-entry-add--kind = Entry kind (see `coffre policy show`)
help-entry-amend--entry = Entry id
help-entry-amend--fields = NAME=VALUE, NAME=@FILE or NAME=@-
help-entry-history--break_glass = Emergency access outside your care team, with a justification
help-entry-history--entry = Entry id
help-entry-import--file = The JSON Lines file
help-entry-import--group = Entries per durable step
help-entry-show--break_glass = Emergency access outside your care team, with a justification
help-entry-show--entry = Entry id
help-init--admin_id = The first staff member's id (lower case letters, digits, '.', '_', '-')
help-init--admin_name = The first staff member's name
help-init--admin_profession = The first staff member's profession; it must be allowed to manage staff
help-init--establishment = The establishment's name
help-init--insecure_fast_kdf = Use a deliberately weak passphrase derivation: tests and demonstrations only
help-init--policy = Use this policy file instead of the shipped default
help-init--recovery_out = Write the recovery key to this new file (otherwise it is printed once)
help-policy-check--file = The policy file
help-policy-explain--dossier = Dossier id
help-recover--recovery_key = Or the whole recovery key file
help-recover--shares = A share file (give at least the threshold)
help-recover--staff = The staff member
help-recovery-split--out_dir = A new folder for the share files
help-recovery-split--recovery_key = The recovery key file
help-recovery-split--shares = Shares to make
help-recovery-split--threshold = Shares needed to rebuild the key
help-restore--file = The backup file
help-restore--recovery_key = The recovery key file (backups are encrypted to it)
help-retention-apply--approval = The approval reference, when the policy requires one
help-retention-apply--confirm_clock = Erase even though the system clock reads far from the vault's latest audit entry (more than a day before it, or more than the policy's `clock_max_ahead_days` after it); the confirmation is audited
help-retention-apply--yes = Really erase
help-retention-due--all = List every closed dossier with its due date
help-serve--insecure_http = Listen beyond this machine without TLS (passphrases would cross the network in clear: only behind a TLS proxy on the same machine)
help-serve--listen = The address and port to listen on (port 0: any free port)
help-serve--server_names = A host name browsers use to reach the server (repeatable); requests naming another host are refused (DNS rebinding)
help-serve--tls_cert = The TLS certificate chain (PEM); required to listen beyond this machine
help-serve--tls_key = The TLS private key (PEM)
help-serve--trusted_proxies = The address of a reverse proxy in front (repeatable): for requests from it, the client's address is the last one its `X-Forwarded-For` names (login throttling counts per client, not per proxy)
help-serve--document_transfers = Document uploads and downloads served at once; one more is answered 503 (each holds a blocking thread while it streams)
help-serve--transfer_idle_secs = Seconds a document upload or download may stay idle (the browser sending or reading nothing) before it is cut
help-staff-add--id = Login id
help-staff-add--name = Full name
help-staff-add--profession = Profession identifier (see `coffre policy show`)
help-staff-add--recovery_key = Grant every key they are entitled to at once, with the recovery key file
help-staff-approve--id = Staff id
help-staff-approve--recovery_key = Approve every restricted key they are entitled to, with the recovery key
help-staff-approve--refuse = Refuse instead (recorded in the audit log; nothing is granted)
help-staff-revoke--id = Staff id
help-staff-revoke--recovery_key = Rotate every key at once with the recovery key
help-staff-set-profession--id = Staff id
help-staff-set-profession--profession = New profession
help-staff-set-profession--recovery_key = Grant and rotate at once with the recovery key

## The person's export, report.html (src/vault/person/export.rs)
person-action-dossier-read = read the file
person-action-dossier-find = found your file by searching for your name
person-action-entry-read = read a note
person-action-team-add = added a professional to the team
person-action-access-grant = gave you your own access
person-action-access-view = you consulted your file
person-action-access-history = you consulted the history
person-action-access-export = prepared a copy of your file
person-action-access-object = recorded an objection
person-action-access-note = note added at your request
person-action-audit-release = made the emergency-access justifications available
person-action-audit-history = consulted the access history
person-action-dossier-close = closed the file
person-action-denied = access refused: { $what }
person-action-failed = failed attempt: { $what }
export-title = Your file
export-heading = Your file — { $establishment }
export-intro = { $name }, born { $birthdate }. File { $dossier }. Copy made on { $date } by { $establishment }.
export-history-elsewhere = The history of accesses to your file (who read it, when) is not in this copy: you read it with your personal access (Mon dossier), or the data protection officer gives it to you.
export-intro-own = { $name }, born { $birthdate }. Copy made on { $date }, at your request, with your own access.
person-identity-not-yet = your identity cannot be read with your access yet: the establishment must first open your file once; try again later
details-sex = Sex
details-sex-f = Female
details-sex-m = Male
details-sex-x = Other
details-admitted = Admission date
details-unit = Unit or group
details-address = Address
export-details = Your identity as the establishment keeps it
export-contents = What your file holds
export-version = { $version ->
    [1] Written
   *[other] Correction (version { $version })
} on { $date } by { $who }
export-field-withheld = Information not communicable ({ $category }): { $reason }
export-no-entry = No note yet.
export-withheld-title = What is not communicated to you
export-withheld-nothing = Nothing: all the information in your file is shown above.
export-col-category = Category
export-col-count = Number
export-col-reason = Reason
export-history-title = Who consulted or changed your file
export-col-date = Date
export-col-who = Who
export-col-what = What
export-col-categories = Categories
export-col-justification = Justification
export-emergency = emergency access
export-rights-title = Your rights and the processing of your data
export-purposes = Purposes:
export-recipients = Who may read what (recipients, within the team that supports you):
export-retention = Retention period:
export-trail-retention = How long the record of accesses is kept:
export-source = Where the information comes from:
export-your-rights = Your rights:
export-complaint = Complaint:
export-dpo = Data protection officer:
export-data-json = The file data.json holds the same information in a machine-readable format.
export-yourself = yourself
export-justification-released = (justification communicable: read it with your own access or ask the data protection officer)
export-justification-kept = (justification recorded; its words may mention other people and are given to you after review by the data protection officer)
export-retention-rule = { $label }: { $years } years after the end of support ({ $source })
export-retention-at-least = { $category }: at least { $years } years
export-support-ended = Support ended on { $date }.
export-support-ongoing = Support is ongoing.

## coffre demo (src/demo.rs)
demo-title = Coffre demonstration — every person below is fictitious.
demo-vault = Demo vault: { $dir }
demo-passphrase = Staff passphrase: { $passphrase } (weak key derivation: demo only)
demo-establishment = IME Les Tilleuls (fictitious)
demo-staff-added = Staff added: director + { $count } members; dossier { $dossier } created for a fictitious child.
demo-entries = Entries: an admission (social worker, amended by the doctor), a psychologist's summary and personal notes, a daily note by the educator.
demo-each-profession = What each profession sees of the same dossier:
demo-identity = identity: { $name }
demo-identity-withheld = identity: withheld
demo-withheld = WITHHELD: { $reason }
demo-refused-attempt = A refused attempt: the educator tries to write a medical note.
demo-exit-code = { $error } (exit code { $code })
demo-break-glass = Break-the-glass: a night nurse outside the care team opens the file in an emergency.
demo-without-justification = without justification: { $error }
demo-with-break-glass = with --break-glass "{ $justification }":
demo-audit-trail = The audit trail, as the data protection officer reads it (no content, ever):
demo-break-glass-flag = BREAK-GLASS
demo-verified = Audit log verified: { $entries } entries, { $checkpoints } signed checkpoints, Merkle root { $root }.
demo-try = Try it: coffre --vault { $dir } --user e.petit dossier show { $dossier }
    (passphrase: COFFRE_PASSPHRASE={ $passphrase })
demo-logins = Logins for the browser (staff passphrase: { $passphrase }):
demo-person-login = The person supported, "Mon dossier" page (/moi/login): dossier { $dossier }, passphrase { $passphrase }
demo-value-reason = Orientation MDPH; family asks for a weekday placement
demo-value-contacts = Mother: 06 00 00 00 00 (fictitious)
demo-value-medical = Epilepsy, treated; last seizure 2025
demo-value-alerts = Allergic to penicillin
demo-value-psy-synthesis = Settles well when routines are announced
demo-value-psy-notes = Raw test data, session 1 (author only)
demo-value-daily = Good day at the workshop; tired after lunch
demo-value-never = should never be stored
demo-value-justification = Seizure at night, need allergies and treatment

## The access trail's retention (audit history and report)
cli-trail-none-pruned = (the access trail is kept { $retention }; nothing was pruned yet)
cli-trail-covers = (the access trail covers entries from { $from } on; it is kept { $retention })
cli-trail-pruned = older entries pruned on { $when } by { $by }: { $count ->
        [one] { $count } entry
       *[other] { $count } entries
    } dated before { $cutoff }

## The access trail's pruning
prune-fact-not-valid = audit entry { $seq } carries a prune fact that is not valid: it was altered or damaged
pruned-line-damaged = audit entry { $seq } is a damaged pruned line: the log was altered
pruned-without-prune-fact = audit entry { $seq } was pruned without a prune fact that covers it (it names entry { $by }): the entry was removed or replaced
prune-fact-range-forged = the prune fact at audit entry { $seq } covers a range it may not cover: the log was forged
prune-fact-positions-differ = the prune fact at audit entry { $seq } commits to other positions than the lines it covers: a fact or a recent entry was pruned, or a pruned line was altered
prune-completed-content-left = the prune of audit entry { $seq } completed but { $count } of the entries it covers still hold their content: the log was altered
policy-trail-retention-format = trail_retention must read like "6 months", "1 year" or "400 days"
policy-trail-retention-max = trail_retention may not exceed 3 years (CNIL recommendation on logging, 2021)
policy-trail-retention-reason = a trail_retention above 1 year needs a documented trail_retention_reason (CNIL recommendation on logging, 2021)
genesis-pruned = audit entry 1 (the genesis) was pruned: the log was forged
prune-must-cover-earlier = a prune must cover earlier entries
prune-younger-than-retention = a prune may not reach entries younger than the trail's retention
export-must-precede = an exported checkpoint must be one made before the fact that records it
release-must-precede = a release covers only entries before the fact that records it
passphrase-changed-own-member = a passphrase is changed only by its own member
person-keys-without-access = keys are wrapped to the person only for a dossier where they have their own access (dossier { $dossier })
person-keys-categories-sorted = the categories a person-keys fact adds are listed sorted, each once
person-keys-signer-holds-keys = keys are wrapped to the person by a member who holds them, manages the person's rights, or the recovery key
session-member-changed = { $user } was revoked, changed profession or was given new keys since logging in: log in again
person-session-credential-changed = the personal access to dossier { $dossier } was re-issued or removed since logging in: log in again
cannot-clear-journal = cannot clear the journal: { $reason }
rewrite-past-end-of-log = a rewrite would reach past the end of the audit log
cannot-replace-store-compacted = cannot replace the store by its compacted copy: { $reason }
cannot-finish-store-compaction = cannot finish a compaction of the store: { $reason }
exported-checkpoint-record-damaged = the record of the exported checkpoint is damaged
prune-fact-not-written = the prune fact was not written
prune-covered-lines-differ = the lines covered by the prune fact at audit entry { $seq } are not those it commits to
audit-entry-too-short = audit entry { $seq } is too short to be an entry
import-fact-not-content = an imported entry carries a fact other than its content

## The access trail in the report and the policy
report-trail-kept = the access trail is kept { $retention }
report-trail-kept-reason = the access trail is kept { $retention } ({ $reason })
report-trail-covers = Access trail: covers entries from { $from } on; { $kept }
report-trail-none = Access trail: { $kept }; nothing was pruned yet
report-trail-pruned = older entries pruned on { $on } by { $by }: { $count ->
        [one] { $count } entry
       *[other] { $count } entries
    } dated before { $before } (fact at entry { $fact })
report-col-pruned-on = Pruned on
report-col-pruned-by = By
report-col-pruned-before = Dated before
report-col-pruned-fact = Fact
cli-policy-trail = the access trail is kept { $retention }; older entries are pruned with `audit prune`
cli-policy-trail-reason = the access trail is kept { $retention } (reason: { $reason }); older entries are pruned with `audit prune`
cannot-mark-store-rewrite = cannot mark the store's rewrite as due: { $reason }
cannot-remove-store-rewrite-marker = cannot remove the marker of the store's rewrite: { $reason }
vault-closed-for-store-rewrite = the vault was closed to rewrite its store; open it again

## audit prune
cli-prune-period = { $count ->
        [one] { $count } entry
       *[other] { $count } entries
    } dated { $from } to { $to }
cli-prune-nothing = no entry
cli-prune-done = pruned { $period } (older than { $cutoff }, retention { $retention })
cli-prune-none = nothing to prune: { $period } (older than { $cutoff }, retention { $retention })
cli-prune-would = would prune { $period } (older than { $cutoff }, retention { $retention })
cli-prune-held-back = { $count } older entries are kept: the last exported checkpoint covers only { $limit } entries (export a new one with `audit checkpoint --out`, or give --beyond-export)
prune-fact-dated-ahead = the prune under way (entry { $seq }) is dated { $time }, more than a day after this machine's clock: it is not carried on (a clock set forward, or an entry added by hand)
cli-checkpoint-not-recorded = (exported without logging in: `audit prune` does not count on it; the DPO exports with --user to set the prune's limit)
cli-prune-vouched = this machine's clock is ahead of the other members' activity: the retention is counted from { $time }, another member's latest activity (newer entries will wait; --confirm-clock if the clock is right)
cli-prune-dry-run = dry run: nothing changed; give --yes to prune
field-commitment-differs = the value of field { $field } is not the one its author wrote (re-sealed or altered)
policy-web-idle-minutes = idle_minutes must be between 1 and 480 minutes
policy-web-max-hours = max_hours must be between 1 and 24 hours
policy-auth-second-factor = second_factor must be "required", "optional" or "required-remote"
policy-auth-person-second-factor = person_second_factor must be "optional", "required" or "none"

## coffre serve: the server
help-serve = Serve the vault to browsers: staff, the DPO and the person log in with their own passphrase
serve-bad-listen = cannot read the listen address: { $listen } (expected ADDRESS:PORT, e.g. 127.0.0.1:8080)
serve-bad-tls-file = unreadable or invalid TLS file: { $path } (PEM expected)
serve-cannot-listen = cannot listen on { $listen }: { $e }
serve-failed = the server stopped on an error: { $e }
serve-insecure-warning = warning: HTTP without TLS beyond this machine; passphrases cross the network in clear (only behind a TLS proxy on the same machine)
serve-listening = listening on { $url } (Ctrl-C to stop)
serve-needs-tls = listening beyond this machine needs TLS (--tls-cert and --tls-key), or --insecure-http behind a TLS proxy
serve-no-randomness = the system gives no randomness
serve-person-only = this page is for the person supported only
serve-session-broken = this browser's session cannot be used; log in again
serve-staff-only = this page is for staff only
serve-stopped = server stopped; every session is closed

## coffre serve: forms
web-form-unknown-kind = unknown kind of note: { $kind }
web-form-kind-not-writable = your profession ({ $profession }) may write no field of a { $kind }
web-form-unknown-field = the field { $field } does not belong to the kind { $kind }
web-form-field-too-long = the field { $field } is longer than { $max } bytes
web-form-empty = the note is empty: fill in at least one field

## coffre serve: pages
web-skip = Skip to content
web-nav = Main navigation
web-nav-dossiers = Dossiers
web-nav-audit = Audit (DPO)
web-nav-moi = My file
web-logout = Log out
web-home = Home
web-role-person = person supported
web-login-title = Staff login
web-login-user = Login id
web-login-passphrase = Passphrase
web-login-submit = Log in
web-login-person-link = Are you the person supported? Open your file
web-login-staff-link = Staff login
web-login-throttled = Too many attempts: wait a minute before trying again.
web-login-failed = Unknown id or wrong passphrase (or an account no longer active).
web-moi-note-by-staff = added for you by staff member { $who }
web-moi-login-title = Open my file
web-moi-login-dossier = Dossier number
web-refused-csrf = Form refused: it does not come from this page or has expired. Reload the page and try again.
web-refused-origin = Form refused: it does not come from this site.
web-error-title = Cannot do this
web-not-found = Page not found
web-not-found-text = This address is no page of Coffre.
web-my-keys-title = Your keys on their way
my-key-holders = { $key }: you receive it as soon as one of these colleagues opens Coffre: { $holders }.
my-key-no-holder = { $key }: nobody holds it yet; it can only be handed over with the recovery key, by whoever keeps it.
my-key-to-approve = { $key }: a restricted key, it must first be approved by a colleague who holds it (Staff page).
web-recent-title = Your recent dossiers
web-recent-when = last visited
web-bad-request = This request could not be read: it does not come from a page of Coffre or was altered. Go back to the home page and try again.
web-bad-id-dossier = This address names no dossier: the dossier number in it is not valid.
web-bad-id-note = This address names no note: the note number in it is not valid.
web-bad-id-staff = This address names no staff member: the login in it is not valid.
web-dossiers-title = My teams' dossiers
web-dossiers-search = Search by name
web-dossiers-search-submit = Search
web-dossiers-all = All my dossiers
web-dossiers-none = No dossier.
web-dossiers-none-for = No file for
web-dossier-title = Dossier
web-dossier-who = { $name }, born { $birthdate }
web-dossier-write = Write a note
web-dossier-why = Why do I see this
web-dossier-empty = No note in this dossier.
web-dossier-page-summary = Notes { $from } to { $to } of { $shown }, newest first.
web-dossier-page-summary-filtered = Notes { $from } to { $to } of { $shown } (filtered from { $all }), newest first.
web-dossier-filters = Filter the notes
web-dossier-filter-all = All
web-dossier-filter-author = Author
web-dossier-filter-submit = Filter
web-dossier-filter-clear = All notes
web-dossier-pages = Pages of notes
web-dossier-newer = ← Newer notes
web-dossier-older = Older notes →
web-dossier-alerts = Care alerts and protocols
web-withheld = Withheld:
web-entry-amend = Correct
web-entry-versions = versions
web-back-dossier = Back to the dossier
web-note-title = Write a note
web-amend-title = Correct a note
web-note-kind = Kind of note
web-note-choose-kind = Choose this kind
web-note-change-kind = Change the kind (what you typed will be lost)
web-note-save = Save the note
web-note-save-amend = Save the correction
web-versions-title = Versions of the note
web-break-glass-title = Break the glass
web-break-glass-lead = This dossier is not one of your teams'. In an emergency you may open it for { $hours } hours by writing why: your justification is recorded and the DPO will see it.
web-break-glass-justification = Justification (required)
web-break-glass-submit = Open the dossier in an emergency
web-break-glass-ask = Open in an emergency…
web-break-glass-names = File no. { $id }.
web-break-glass-names-found = File no. { $id }, found by your search “{ $query }”.
web-break-glass-check = Once the file is open, the person's name and date of birth are shown at the top: check it is the right person.
web-break-glass-banner = Emergency access (break the glass): open for { $hours } hours, recorded with your justification.
web-explain-title = Why do I see this
web-explain-head = Your profession: { $profession }. In this dossier's care team: { $in_team }. May break the glass: { $break_glass }.
web-explain-caption = What the establishment's policy lets you read, category by category
web-history-when = When
web-history-who = Who
web-history-what = What
web-history-categories = Categories
web-history-none = No access recorded.
web-moi-title = My file
web-moi-file = What my file holds
web-moi-history = Who accessed my file
web-moi-copy = Download a readable copy of my file (to keep or print)
web-moi-export = My data for another application (JSON)
web-moi-retention = This access history is kept { $retention } (CNIL recommendation on logging); older entries are erased.
web-moi-note-title = Add a remark (e.g. a disagreement)
web-moi-note-about = About
web-moi-note-about-none = The whole file
web-moi-note-text = My remark
web-moi-note-submit = Save my remark
web-moi-note-done = Your remark is recorded in your file.
web-moi-objection-title = Object to a sharing
web-moi-objection-category = This kind of information
web-moi-objection-profession = must not be shared with
web-moi-objection-submit = Record my objection
web-audit-title = Access audit
web-audit-verify = Integrity of the log
web-audit-checkpoint = Download the latest signed checkpoint
web-audit-history-title = Access history of a dossier
web-audit-history-dossier = Dossier number
web-audit-history-submit = Show
web-copy-link = Readable copy for the person
web-copy-hint = An HTML page of the file as the person may read it, to hand over or print; it is in plain text: delete it from the computer once handed over
web-release-link = Let the person read the emergency accesses' justifications
web-release-title = Release the justifications to the person
web-release-lead = You are about to let the person read the justifications of the emergency accesses (break the glass) to their file { $dossier }.
web-release-reads = The person will read, in their file's history and in their copy, the words of each justification recorded so far.
web-release-third-parties = Read them first in the history above: a justification may name a third party.
web-release-later = A later emergency access needs a new decision; this one replaces any earlier one.
web-release-final = Once read, the justifications cannot be taken back. The decision is recorded in the audit log.
web-release-confirm = Release the justifications
web-released-no-person-access = The person has no personal access yet: their copy shows the justifications; once their access is opened, release them again.
web-keys-waiting-title = Colleagues are waiting for keys you hold
web-keys-waiting-ready = to hand over:
web-keys-waiting-approve = to approve first:
web-keys-waiting-approve-where = staff page
web-keys-hand-over = Hand the keys over now
web-keys-handed = { $who } received: { $keys }.
web-keys-none-handed = No key to hand over: your colleagues already received them.
web-nav-transmissions = Today's handover
web-transmissions-title = Today's handover
web-transmissions-intro = The notes written today in your care teams' files, newest first. Reading them is recorded in the log, file by file.
web-transmissions-none = No note written today in your care teams' files.
web-history-filters = Filter the history
web-history-from = From
web-history-to = To
web-history-profession = Profession
web-history-action = Action
web-history-filter-clear = The whole history
web-history-pages = Pages of the history
web-history-newer = ← Newer accesses
web-history-older = Older accesses →
web-history-page-summary = Accesses { $from } to { $to } of { $shown } ({ $all } in all), newest first.
web-history-page-summary-all = Accesses { $from } to { $to } of { $shown }, newest first.
web-date-placeholder = dd/mm/yyyy
web-audit-report = The DPO's report
web-audit-report-html = Report (HTML)
web-audit-report-json = Report (JSON)
web-nav-staff = Staff
web-team-title = Care team
web-team-add = Add to the team
web-staff-title = Staff
web-staff-name = Name
web-staff-profession = Profession
web-staff-status = Status
web-staff-actions = Actions
web-staff-pending = pending keys:
web-staff-approve = Approve
web-staff-refuse = Refuse
web-staff-revoke = Revoke
web-confirm-cancel = Cancel, change nothing
web-revoke-title = Revoke a staff member
web-revoke-lead = Revoke { $name } ({ $id }, { $profession })?
web-revoke-no-login = { $name } can no longer log in to Coffre, nor open or write any dossier, from now on (an open session ends at its next action).
web-revoke-keys = The keys of the categories this person held are replaced: notes written afterwards no longer open with their old keys.
web-revoke-trail = What they read and wrote stays in the access log, under their name.
web-revoke-final = A revocation is final: it cannot be undone. To give access again, a new account must be created.
web-revoke-confirm = Revoke { $name } for good
web-staff-new-profession = New profession
web-staff-set-profession = Change profession
web-staff-add-title = Add a staff member
web-staff-initial-passphrase = Initial passphrase (give it to them in person)
web-staff-add = Add


## The DPO's dashboard: SVG pictures (src/web/charts.rs)
chart-accesses-title = Accesses to dossiers per day by profession
chart-accesses-desc = Successful reads and writes, per day, from { $from } to { $to }, stacked by profession: { $total } in all.
chart-hours-title = Reads by hour of the day
chart-hours-desc = Local time ({ $timezone }). The grey band marks working hours, from { $start }:00 to { $end }:00{ $weekends ->
    [yes] {""}, Monday to Friday
   *[no] {""}
}. { $outside ->
    [0] No read
    [one] One read
   *[other] { $outside } reads
} outside working hours out of { $total }.
chart-refusals-title = Refusals per day
chart-refusals-desc = Requests refused by the policy, per day, from { $from } to { $to }: { $total } in all.
chart-failed-title = Failed logins per day
chart-failed-desc = Passphrases refused, per day, from { $from } to { $to }: { $total } in all.
chart-break-glass-title = Break-the-glass accesses and their justifications
chart-break-glass-desc = { $count ->
    [0] No break-the-glass access in the period.
    [one] One break-the-glass access in the period, numbered on the strip of days, then detailed with the person's justification in their own words.
   *[other] { $count } break-the-glass accesses in the period, numbered on the strip of days, then detailed with each person's justification in their own words.
}
chart-break-glass-row = { $time } — { $who } ({ $profession }), dossier { $dossier }
chart-justification = Justification: “{ $text }”
chart-no-justification = No readable justification.
chart-bursts-title = Reading bursts
chart-bursts-desc = One bar per burst: how many different dossiers one person read within { $minutes } minutes; the line marks the threshold of { $dossiers } dossiers. { $count ->
    [0] No burst
    [one] One burst
   *[other] { $count } bursts
} in the period.
chart-burst-label = { $who }, { $time }
chart-threshold = threshold: { $dossiers }
chart-none = Nothing in this period.
chart-for-dpo-only = For the data protection officer only.
chart-days-left-out = { $count ->
    [one] The earliest day is not shown
   *[other] The { $count } earliest days are not shown
} (period too long for one picture).
chart-day = { $day } { $month }
chart-hour = { $hour }:00
chart-bar = { $series }, { $when }: { $count }
chart-legend-work-hours = Working hours ({ $start }:00 – { $end }:00)
chart-legend-inside = Reads within working hours
chart-legend-outside = Reads outside working hours
chart-legend-refusals = Refusals
chart-legend-failed = Failed logins
chart-legend-dossiers = Different dossiers read
report-pictures = Pictures

## Command line (clap)
help-usage-heading = Usage:
help-commands-heading = Commands
help-options-heading = Options
help-arguments-heading = Arguments
help-help-flag = Print help
help-help-command = Print this help, or the help of the commands named
usage-unknown-command = unknown command: { $what }
usage-unknown-argument = unknown option: { $what }
usage-missing-argument = missing: { $what }
usage-missing-command = the command to run is missing
usage-invalid-value = invalid value for { $arg }: { $value }
usage-conflict = { $what } cannot be given with { $other }
usage-wrong-values = wrong number of values for { $arg }
usage-other = invalid command line
usage-did-you-mean = did you mean { $what }?
usage-see-help = For help: coffre --help (or coffre COMMAND --help)
web-audit-charts = Accesses in pictures

## A vault in PostgreSQL
database-error = database error: { $e }
database-url-invalid = invalid database address ({ $why })
database-root-certificate = cannot read the database's root certificate: { $e }
database-unreachable = cannot reach database { $database }: { $e }
database-lock-poisoned = database access stopped by an earlier error; start coffre again
database-vault-moved = another site changed the vault during this operation; nothing was saved, try again
database-lines-beyond-recorded-end = table coffre.audit_log holds lines after the end the recorded audit state `as` gives (from entry { $seq } on): lines added, or that record set back, with SQL, outside coffre
migrate-from-folder = --vault must name the folder vault to move (the vault to move into is given with --to)
cli-migrated = vault { $vault } moved into { $database }: { $records } records, audit log verified ({ $entries } entries, root { $root }); keep the folder { $dir } as an archive or destroy it, do not use it again
help-migrate = Move a folder vault (--vault DIR) into an empty PostgreSQL database, audit log and checkpoints intact
help-migrate--to = The database to move into: postgres://USER@HOST/DB?sslmode=verify-full (or ?host=/socket/folder)
database-check-failed-restart = a check of the vault in the database failed earlier in this process; nothing more is done until coffre is started again (which verifies everything again)
database-busy = the vault is busy: another process has held it for more than 30 seconds; try again
vault-moved-to-database = this folder vault was moved into { $database } (coffre migrate): use that address; the folder is kept as an archive (remove its file `moved` to open it again, and never use both)
database-row-damaged = a row of { $table } is damaged or out of place (changed with SQL, outside coffre)
audit-index-points-elsewhere = the audit index record { $record } points at another entry (changed outside coffre)
audit-index-missing = the audit index record { $record } is missing (deleted outside coffre): the log chains that entry to the dossier
audit-index-off-chain = the audit index record { $record } is not on the dossier's chain in the log (changed outside coffre)
audit-actor-index-missing = the audit index record { $record } is missing (deleted outside coffre): the log chains that entry to the actor
audit-actor-index-off-chain = the audit index record { $record } is not on the actor's chain in the log (changed outside coffre)
audit-aprev-wrong = entry { $seq } gives { $aprev } as the previous entry by actor { $actor }; the log says { $expected } (an entry by them was removed, altered or moved)
audit-actor-format-downgrade = entry { $seq } is of format { $v }, after entries of format 6 or 7: a line of an older format was put in its place
audit-dprev-wrong = entry { $seq } gives { $dprev } as the previous entry about dossier { $dossier }; the log says { $expected } (an entry about it was removed, altered or moved)
audit-format-downgrade = entry { $seq } is of format { $v }, after entries of format 4 or 5: a line of the older format was put in its place
audit-index-disagrees-with-log = the audit index { $record } holds { $found } entries where the log has { $want } (entries removed or added outside coffre)
database-outcome-unknown = the database stopped answering while this change was being saved, and could not be asked whether it was: look (dossier show, audit log) before doing it again
signing-key-retired = your key no longer signs for this vault (revoked, or a new identity was issued since you logged in): log in again

## Daily administration in the browser
action-team-remove = removed a professional from the care team
person-action-team-remove = removed a professional from the team
staff-not-in-team = "{ $staff }" is not in the care team of dossier { $dossier }
cli-team-removed = { $staff } removed from the care team of { $id }
help-dossier-team-remove = Remove a staff member from the care team
help-dossier-team-remove--id = Dossier id
help-dossier-team-remove--staff_id = Staff id
web-nav-new-dossier = New dossier
web-new-dossier-title = New dossier
web-new-dossier-lead = The dossier is created in your name, and you join its care team. The name and birth date are encrypted.
web-new-dossier-name = Full name of the person supported
web-new-dossier-birthdate = Date of birth
web-new-dossier-birthdate-hint = Day, month and four-digit year, for example 14/05/2012
web-new-dossier-submit = Create the dossier
web-new-dossier-refused = Your profession may not create a dossier. Ask the management or the office.
web-team-add-who = Professional to add
web-team-add-none = Every active staff member is already in the team.
web-team-remove = Remove from the team
web-team-remove-title = Remove a member from the team
web-team-remove-lead = Remove { $name } ({ $profession }) from the care team of the dossier of { $person }?
web-team-remove-access = { $name } will no longer open this dossier nor write in it, from now on (except by break-the-glass, which is recorded and reviewed).
web-team-remove-kept = The notes { $name } wrote in it stay, under their name; what they read stays in the access log.
web-team-remove-trail = The removal is recorded in the access log, under your name. You may add this person again later.
web-team-remove-confirm = Remove { $name } from the team
web-team-removed = { $name } is no longer in the care team.
web-team-member = { $name } · { $profession } ({ $id })
web-team-remove-lead-number = Remove { $name } ({ $profession }) from the care team of dossier no. { $id }?
web-person-access-lead-number = Create the personal access of the person supported to their dossier, no. { $id }?
web-person-access = The person's access
web-person-access-refused = Your profession may not give the person access to their dossier. Ask the management.
web-person-access-title = Give the person access to their dossier
web-person-access-lead = Create the personal access of { $person }, to their dossier?
web-person-access-passphrase = A passphrase is created and shown once, on a sheet to print and hand over in person. Coffre does not keep it: it cannot be shown again.
web-person-access-can = The person will be able to read their dossier, see who accessed it, add a remark and object to a sharing, at { $address }.
web-person-access-replaces = If an access existed, it is replaced: the old passphrase no longer works.
web-person-access-confirm = Create the access and show the sheet
web-sheet-title = Your access to your dossier
web-sheet-for = For { $person }
web-sheet-from = Given by { $establishment }, on { $date }
web-sheet-address = Login address
web-sheet-dossier = Dossier number (to type when you log in)
web-sheet-passphrase = Passphrase
web-sheet-can-title = What you can do
web-sheet-can-read = Read what your dossier holds about you.
web-sheet-can-history = See who accessed your dossier, and when.
web-sheet-can-note = Add a remark, if you disagree with what is written.
web-sheet-can-object = Object to a category of information being shown to a profession.
web-sheet-can-export = Download a copy of your dossier.
web-sheet-keep = Keep this sheet in a safe place and show it to no one. The passphrase is written nowhere else: if you lose it, ask the establishment for a new access.
web-sheet-staff-done = Access created. Print this page (the browser's menu, or Ctrl+P) and hand the sheet over in person: the passphrase will never be shown again.
web-sheet-staff-pending = Some information is not yet visible to the person: { $keys }. It will be when a member holding these keys opens the dossier.
web-sheet-back = Back to the dossier
dossier-sex-invalid = invalid sex: choose female, male or other (f, m or x)
dossier-details-too-long = address too long (300 characters at most) or unit too long (100 characters at most)
admission-date-must-real-date = the admission date must be a real date, written DD/MM/YYYY (for example 01/09/2024)
help-dossier-create--sex = Sex: f (female), m (male) or x (other, or not said)
help-dossier-create--address = Postal address
help-dossier-create--admitted = Admission date, DD/MM/YYYY (for example 01/09/2024)
help-dossier-create--unit = Unit or group of the establishment
web-new-dossier-optional = Optional
web-new-dossier-sex = Sex
web-sex-unsaid = Not said
web-sex-f = Female
web-sex-m = Male
web-sex-x = Other
web-new-dossier-address = Address
web-new-dossier-admitted = Admission date
web-new-dossier-unit = Unit or group
web-dossier-identity = Identity

## Second factor (one-time codes)
second-factor-own-member = a second factor is enrolled or removed only by its own member
second-factor-new-id = a second factor has a new id and a known kind
second-factor-unknown = no second factor { $id } is enrolled
second-factor-person-access = a second factor of the person needs their own access to the dossier
second-factor-person-none = dossier { $dossier } has no personal access
web-sf-person-lead = A second factor protects your access: after your passphrase, the vault also asks for the six-digit code of your authenticator app.
web-sf-person-required = Your establishment asks for a second factor: enrol an authenticator app before opening your file.
web-sf-person-reset = Reset the person's second factor
web-sf-person-reset-lead = If the person lost their phone and their recovery codes: their second factor is withdrawn, and they enrol a new one at their next login.
web-sf-person-step-recovery = Lost your phone? Type one of your recovery codes instead of the code, or ask the establishment to reset your second factor.
web-moi-second-factor = My second factor
second-factor-reset-active = { $member } is not an active member
second-factor-cannot-encode = the code to scan could not be prepared
second-factor-wrong-code = wrong code
second-factor-code-used = this code was already used: wait for the next one
second-factor-none = no second factor is enrolled
second-factor-lock-poisoned = second-factor lock poisoned
cli-prompt-second-factor = Six-digit code (or recovery code) for { $who }:
cli-second-factor-missing = no second factor: run coffre in a terminal, or set COFFRE_SECOND_FACTOR
cli-second-factor-passkey-only = the command line cannot use a passkey, the only second factor { $who } has enrolled: enrol an authenticator app too from the "My second factor" page in the browser, then give its code here
cli-second-factor-few-recovery = { $left } recovery codes left: enrol your app again (the "My second factor" page) to get new ones
web-sf-step-title = Second factor
web-sf-step-lead = Type the six-digit code your authenticator app shows.
web-sf-step-recovery = Lost your phone? Type one of your recovery codes instead of the code, or ask a manager to reset your second factor.
web-sf-code = Six-digit code or recovery code
web-sf-submit = Confirm
web-sf-enrol-title = Enrol an authenticator app
web-sf-enrol-required = Your establishment asks for a second factor: enrol an authenticator app before the vault opens.
web-sf-enrol-app = Your app
web-sf-enrol-intro = In your authenticator app (on your phone), add an account by scanning this code, or by typing the key below.
web-sf-enrol-qr = Code to scan with the app
web-sf-enrol-secret = Key to type:
web-sf-enrol-code = Six-digit code the app shows, to confirm
web-sf-recovery-title = Your recovery codes
web-sf-recovery-intro = Print or copy these ten codes and keep them somewhere safe: they will never be shown again. Each one replaces the app's code once, if you lose your phone.
web-sf-own-title = My second factor
web-sf-own-lead = The second factors enrolled for your account:
web-sf-own-none = No second factor is enrolled for your account.
web-sf-kind = Kind
web-sf-kind-totp = Authenticator app (six-digit code)
web-sf-remove = Remove
web-sf-add = Enrol an authenticator app
web-sf-done = Done.
web-sf-few-recovery = You have few recovery codes left: enrol your app again to get new ones.
web-sf-reset = Reset the second factor
web-nav-second-factor = My second factor
action-auth-second-factor = gave their second factor
action-auth-second-factor-enrol = enrolled a second factor
action-auth-second-factor-remove = removed a second factor
action-auth-second-factor-reset = reset a member's second factor
action-auth-second-factor-reset-person = reset the second factor of the person supported
auth-code-already-used = code already used
second-factor-passkey-config = passkeys cannot be used under the name { $rp }: give the server a domain name (--server-name)
second-factor-passkey-http = passkeys need an https origin: { $origin } is not accepted (plain http is for localhost, 127.0.0.1 and [::1] only)
serve-passkey-https-only = warning: the server speaks plain http under the name { $name }; passkeys are offered at https://{ $name } (the TLS proxy) only, never over http
second-factor-passkey-refused = passkey refused
second-factor-passkey-counter = passkey refused: its counter went back (a copy of the key?)
auth-passkey-counter-back = passkey counter went back
web-sf-passkey-lead = Or use your passkey: a security key, phone or computer.
web-sf-passkey-use = Use my passkey
web-sf-passkey-failed = The passkey did not answer, or is not enrolled for this account. Try again, or type a code.
web-sf-passkey-noscript = Passkeys need JavaScript, which this browser has turned off: type a code.
web-sf-passkey-enrol-title = Enrol a passkey
web-sf-passkey-enrol-lead = Plug in your security key, or have your device's fingerprint reader or screen lock ready, then press the button. No secret leaves the key: the vault keeps only its public part.
web-sf-passkey-create = Create the passkey
web-sf-passkey-add = Enrol a passkey
web-sf-kind-passkey = Passkey

## Documents
policy-documents-max-mib = [documents] max_mib must be between 1 and 1048576
policy-document-type-invalid = document type “{ $id }”: an identifier of lower-case letters, digits, - and _
policy-kind-document-reserved = the kind “document” is reserved for documents attached to a dossier
document-read-failed = the document could not be read: { $e }
document-write-failed = the document could not be written: { $e }
document-too-large = document too large: at most { $limit_mib } MiB (setting [documents] max_mib of the policy)
document-text-invalid = the { $what } of a document: at most { $max } characters, no control characters (and a title is required)
document-date-invalid = the document's date must be a real date, written DD/MM/YYYY (e.g. 18/03/2024) or YYYY-MM-DD
document-mime-invalid = invalid MIME type
document-type-unknown = unknown document type “{ $doc_type }”; the policy defines: { $known }
document-category-unknown = unknown category “{ $cat }” (see coffre policy)
document-type-contradicts = the file's content is not what its declared type { $mime } says
document-manifest-encode = the document's description could not be encoded
document-manifest-invalid = a document's description is damaged
document-not-found = no document { $id }
document-version-not-found = no version { $version } of this document
document-changed-meanwhile = someone added a version of this document meanwhile: try again
document-chunks-gone = the document's content was removed before it was recorded (coffre check --sweep-chunks during the upload): send it again
document-category-fixed = a new version keeps the document's category: '{ $first }', not '{ $given }' (attach a new document for another category)
document-other-dossier = document { $id } is in dossier { $actual }, not in dossier { $dossier }: a new version is added in the document's dossier
web-document-too-large = Document too large: at most { $limit_mib } MiB.
web-document-field-too-long = Document form refused: a field is longer than { $max } bytes.
web-document-too-many-parts = Document form refused: too many fields.
web-document-busy = Too many documents are being sent or downloaded. Try again in a moment.
web-document-busy-account = You already have as many documents being sent or downloaded as allowed. Try again once one of them is done.
web-document-stalled = The document's upload stopped: try again.
check-orphan-chunks = { $n } document chunk(s) no committed version names (an interrupted upload): coffre check --sweep-chunks removes them
check-orphan-chunks-swept = { $n } document chunk(s) no committed version named removed
action-document-add = attached a document
action-document-amend = added a version of a document
action-document-read = opened a document
action-document-list = listed the documents of a file
document-not-to-terminal = a document is not written to a terminal: give --out FILE, or --out - with standard output redirected
document-out-exists = { $path } exists already: a document is never written over a file
document-cannot-read-file = cannot read { $path }: { $e }
cli-document-version-added = { $doc }: version { $version } added
cli-document-none = No document you may open.
cli-document-withheld = { $n } document(s) withheld (category not open to you)
cli-document-line = { $id } v{ $version } · { $title } · { $doc_type } · { $cat } · { $date } · { $size } bytes · { $file }
help-document = Attach documents to a dossier, list and open them
help-document-add = Attach a document (or, with --version-of, a new version of one); prints its id alone on a line
help-document-add--dossier = Dossier id
help-document-add--file = The file to attach (- reads standard input)
help-document-add--title = Title; @FILE reads it from a file and @- from standard input, so that it shows neither in `ps` nor in the shell's history
help-document-add--doc_type = Document type (see `coffre policy show`)
help-document-add--category = The category that decides who may open it
help-document-add--date = The document's own date, DD/MM/YYYY (e.g. 18/03/2024) or YYYY-MM-DD
help-document-add--source = Where the document came from; @FILE reads it from a file and @- from standard input (kept out of `ps` and the shell's history)
help-document-add--mime = MIME type (guessed from the file name otherwise)
help-document-add--version_of = Add a new version of this document instead (the earlier ones are kept)
help-document-list = List the documents of a dossier you may open
help-document-list--dossier = Dossier id
help-document-list--break_glass = Emergency access outside your care team, with a justification
help-document-get = Open a document into a file (never to a terminal: --out - writes to standard output)
help-document-get--dossier = Dossier id
help-document-get--doc = Document id
help-document-get--doc_version = A version (the latest otherwise)
help-document-get--out = The file to write (created, never overwritten), or - for standard output
help-document-get--break_glass = Emergency access outside your care team, with a justification
web-documents-title = Documents
web-documents-none = No document you may open.
web-documents-withheld = { $n } document(s) not open to you (category).
web-document-meta = { $doc_type } · { $cat } · { $date } · { $size } bytes · version { $version }
web-document-form-invalid = the document's form could not be read: try again
web-document-add = Attach a document
web-document-title = Title
web-document-type = Type
web-document-category = Who may open it (category)
web-document-date = Date of the document
web-document-source = Source
web-document-file = File
web-document-submit = Attach
web-moi-document-meta = { $doc_type } · { $date }
cli-policy-document-types = document types (at most { $max_mib } MiB a document):
