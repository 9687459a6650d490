"""Stored figures for the dashboard's tests: Essex and Hertfordshire's published 2014 samples.

Essex recorded 110 of the 120 crimes that should have been recorded (91.7%,
Wilson 95% interval 85.3% to 95.4%); Hertfordshire 130 of 181 (71.8%, 64.9%
to 77.9%). Both intervals are wider than ±5 points: "not statistically
reliable". Rape cases give an offence-group figure.
"""

import pytest

from tests.dashboard.builders import published_2014


@pytest.fixture
def stored(programme, inspection_a, inspection_b):
    """The programme with both forces' samples counted and stored."""
    return published_2014(programme, inspection_a, inspection_b)
