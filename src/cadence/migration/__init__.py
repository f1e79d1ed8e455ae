"""Moving running leads between versions of their cadence (``cadence migrate``).

:mod:`~cadence.migration.positions` and :mod:`~cadence.migration.targets` are
pure (the engine and the workflow sandbox use them); :mod:`~cadence.migration.forecast`
says what changes for a lead; :mod:`~cadence.migration.records` owns the record
file; :mod:`~cadence.migration.runner` plans and runs a migration over the
client API. Importing this package imports none of them.
"""
