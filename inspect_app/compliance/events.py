"""Signals compliance sends for the layers built on it, which it may not import.

``report_made``: ``compliance_report`` made its document. ``programme`` is the programme
reported on, ``document`` the dict about to be printed (its "rows" among it), and
``presented`` pairs each row with the ``PresentedFigure`` it came from. A receiver may
add fields to the rows and keys to the document.
"""

from django.dispatch import Signal

report_made = Signal()
