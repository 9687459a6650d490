"""A programme's rules for judging it (counting rules' version, working days to answer)."""

from inspect_app.judgement.models import ProgrammeJudgement


def rules_of(programme) -> ProgrammeJudgement:
    """The programme's rules, or the defaults (unsaved) where none were set."""
    found = ProgrammeJudgement.objects.filter(programme=programme).first()
    return found or ProgrammeJudgement(programme=programme)


def like_for_like(programme_a, programme_b) -> bool:
    """Whether two programmes counted under the same rules (the same version label)."""
    return rules_of(programme_a).counting_rules == rules_of(programme_b).counting_rules
