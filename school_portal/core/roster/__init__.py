"""Roster import: school CSV, Excel and OneRoster 1.2 files read, checked as a whole, then applied at once.

``readers`` turn an uploaded file into rows (refusing bad encodings and zip bombs), ``simple`` and
``oneroster`` turn rows into :class:`~.records.Roster` records, ``checks`` compares them with the database,
``apply`` writes them, and :func:`~.services.roster_import_run` ties it all together in one transaction.
"""
