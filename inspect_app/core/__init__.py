"""Building blocks every app may import: pure statistics and the scoped queryset.

Nothing here imports an app of this project, so reference data (``forces``)
and the casework (``inspections``) can use them without importing upward.
"""
