"""The review workflow: who reviews which case, saving reviews safely, blind double review,
adjudication and sign-off.

Views stay thin: they find objects through ``visible_to`` and call these
modules, which check the workflow's own rules (is the inspection open, is this
person the case's reviewer, has someone else saved first) and either do the
whole change, recording it in the audit log where it must be accounted for,
or none of it.

- ``refusals``: what the workflow refuses, and the inspection lock every change takes;
- ``sample``: the blind double-review sample and the share that sets it;
- ``state``: where one case stands, and which review a person may write on it;
- ``queues``: the work queues and the conditions they are made of;
- ``claims``: assigning cases and taking them;
- ``saving``: saving a review without losing anyone's work;
- ``signoff``: what stands between an inspection and its sign-off; signing off, reopening.
"""
