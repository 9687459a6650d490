"""Pages of the review workflow.

- ``workspace``: an inspection's workspace (progress, queues, the case table), taking the
  next case, and the agreement page;
- ``case``: one case's page, where its reviews are made and cases are taken;
- ``lead``: what a lead inspector does to the whole inspection: assigning, the share
  double reviewed, sign-off and reopening;
- ``common``: finding the inspection and its cases for this person, addresses, refusals.

Objects come only from ``visible_to(request.user)``. The views parse and render; the
workflow's own rules (who may write which review, whether the inspection is open, whether
someone saved first) are checked by ``workflow``, which changes everything or nothing and
records what it did.
"""
