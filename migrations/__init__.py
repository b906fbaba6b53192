"""Alembic's migrations (``versions/``, run by ``anpr db migrate``) and the schema model they
are compared with (``model``)."""
