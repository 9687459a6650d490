"""Pages of the dashboard, one module per kind of page. Every query goes through
``visible_to(request.user)``; every list view is an ``accounts.listing`` view.

``landing``
    each person's landing page, and what browsers and load balancers ask for;
``lists``
    the lists of programmes and inspections;
``figure_page``
    what every figures page shares: presentation, problems, tables, downloads;
``national``
    the national pages: a programme's forces, regions and offence groups, and
    one offence group across forces;
``force``
    one force's summary, and one inspection's figures beside its progress.
"""
