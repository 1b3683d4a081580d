"""Database triggers that refuse UPDATE and DELETE on audit records (see civicgate/audit/guard.py).

On SQLite, rebuilding the table (how Django alters a column there) drops its triggers: a later
migration that alters audit_auditrecord must run SQLITE_FORWARD again. verify_audit reports
missing triggers.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE TRIGGER audit_auditrecord_no_update BEFORE UPDATE ON audit_auditrecord
    BEGIN SELECT RAISE(ABORT, 'audit records cannot be changed'); END""",
    """CREATE TRIGGER audit_auditrecord_no_delete BEFORE DELETE ON audit_auditrecord
    WHEN civicgate_audit_flushing() = 0
    BEGIN SELECT RAISE(ABORT, 'audit records cannot be deleted'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_auditrecord_no_update",
    "DROP TRIGGER IF EXISTS audit_auditrecord_no_delete",
]

POSTGRESQL_FORWARD = [
    """CREATE OR REPLACE FUNCTION audit_auditrecord_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' AND current_setting('civicgate.flushing', true) = 'on' THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION 'audit records cannot be changed or deleted (%)', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END;
    $$""",
    """CREATE TRIGGER audit_auditrecord_append_only BEFORE UPDATE OR DELETE ON audit_auditrecord
    FOR EACH ROW EXECUTE FUNCTION audit_auditrecord_append_only()""",
    """CREATE TRIGGER audit_auditrecord_no_truncate BEFORE TRUNCATE ON audit_auditrecord
    FOR EACH STATEMENT EXECUTE FUNCTION audit_auditrecord_append_only()""",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_auditrecord_no_truncate ON audit_auditrecord",
    "DROP TRIGGER IF EXISTS audit_auditrecord_append_only ON audit_auditrecord",
    "DROP FUNCTION IF EXISTS audit_auditrecord_append_only()",
]

STATEMENTS = {
    "sqlite": (SQLITE_FORWARD, SQLITE_REVERSE),
    "postgresql": (POSTGRESQL_FORWARD, POSTGRESQL_REVERSE),
}


def _run(schema_editor, forward):
    pair = STATEMENTS.get(schema_editor.connection.vendor)
    if pair is None:
        return
    for sql in pair[0] if forward else pair[1]:
        schema_editor.execute(sql, params=None)


def install(apps, schema_editor):
    _run(schema_editor, forward=True)


def remove(apps, schema_editor):
    _run(schema_editor, forward=False)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
