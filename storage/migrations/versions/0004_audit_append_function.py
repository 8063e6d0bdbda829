"""PostgreSQL: append a batch of audit entries in one round trip (``sohoa_audit_append``).

The chain is serialised by a transaction-scoped advisory lock. Taken from the
client, that lock stays held over every round trip that follows it (head read,
insert, commit): with two API processes each flush waited on the other's round
trips. This function takes the lock, reads the head (a fresh snapshot: a
VOLATILE plpgsql function sees what committed while it waited), links and
inserts the batch, and returns each entry's seq, previous hash and hash — all
inside the one statement the client sends in autocommit, so the lock is held
only while the server works and is released by that statement's commit.

The batch arrives as one JSON array (one parameter: cheaper to send than ten
arrays), an entry as ``[actor, role, action, document_id, purpose, detail,
head, tail]``. The hash stays the one ``storage.audit.entry_hash`` computes:
``head`` is the entry's canonical JSON up to the previous hash (ending
``"prev":"``) and ``tail`` what follows it up to the sequence number (ending
``"seq":``); the function completes ``head || prev || tail || seq || '}'`` in
UTF-8 and hashes it with SHA-256. ``AuditLog.verify`` recomputes every
hash in Python, so any difference would show as an edited entry.

SQLite keeps the client-side path (its write lock has no round trips).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"

FUNCTION = """
CREATE OR REPLACE FUNCTION sohoa_audit_append(p_lock bigint, p_at timestamp, p_entries json)
RETURNS TABLE(entry_seq bigint, entry_prev_hash text, entry_hash text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    first_seq bigint;
    prev text;
    heads bytea[];
    tails bytea[];
    prevs text[] := '{}';
    hashes text[] := '{}';
BEGIN
    PERFORM pg_advisory_xact_lock(p_lock);
    SELECT e.seq, e.hash INTO first_seq, prev FROM audit_entries e ORDER BY e.seq DESC LIMIT 1;
    IF NOT FOUND THEN
        first_seq := 0;
        prev := repeat('0', 64);
    END IF;
    SELECT array_agg(convert_to(u.e ->> 6, 'UTF8') ORDER BY u.n), array_agg(convert_to(u.e ->> 7, 'UTF8') ORDER BY u.n)
    INTO heads, tails FROM json_array_elements(p_entries) WITH ORDINALITY AS u(e, n);
    FOR i IN 1 .. cardinality(heads) LOOP
        prevs[i] := prev;
        prev := encode(sha256(heads[i] || convert_to(prev, 'UTF8') || tails[i]
                              || convert_to((first_seq + i)::text || '}', 'UTF8')), 'hex');
        hashes[i] := prev;
    END LOOP;
    INSERT INTO audit_entries (seq, at, actor, role, action, document_id, purpose, detail, prev_hash, hash)
    SELECT first_seq + u.n, p_at, u.e ->> 0, u.e ->> 1, u.e ->> 2, u.e ->> 3, u.e ->> 4, u.e ->> 5, prevs[u.n], hashes[u.n]
    FROM json_array_elements(p_entries) WITH ORDINALITY AS u(e, n);
    RETURN QUERY SELECT first_seq + n, prevs[n], hashes[n] FROM generate_subscripts(heads, 1) AS n ORDER BY n;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS sohoa_audit_append(bigint, timestamp, json)")
