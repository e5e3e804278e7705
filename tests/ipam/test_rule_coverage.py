"""Every admission rule of SPEC §4.1-4.6 has an allowed and a denied case in the rule tables."""

from tests.ipam import test_network_rules as network_rules
from tests.ipam import test_subnet_rules as subnet_rules

SPEC_RULES = (
    [f"N-{i}" for i in range(1, 16)]
    + [f"NU-{i}" for i in range(1, 6)]
    + [f"ND-{i}" for i in range(1, 4)]
    + [f"S-{i}" for i in range(1, 15)]
    + [f"SU-{i}" for i in range(1, 9)]
    + ["SD-1"]
)


def _cases():
    """(rule, allowed?) of every row; the S-14 cases live in their own test."""
    tables = [
        network_rules.CREATE_CASES,
        network_rules.UPDATE_CASES,
        network_rules.DELETE_CASES,
        subnet_rules.CREATE_CASES,
        subnet_rules.UPDATE_CASES,
    ]
    rows = [(row[0], row[-1] is None) for table in tables for row in table]
    rows += [(rule, message is None) for _, _, rule, message in subnet_rules.DELETE_CASES]
    rows += [("S-14", True), ("S-14", False)]  # test_subnet_create_against_remote_subnets
    return rows


def test_spec_4_1_to_4_6_has_46_rules():
    # the 58 also counts the 12 pod rules P-1..P-12 of §4.8, out of this core's scope
    assert len(SPEC_RULES) == 46


def test_every_rule_has_an_allowed_and_a_denied_case():
    rows = _cases()
    missing = [
        (rule, allowed)
        for rule in SPEC_RULES
        for allowed in (True, False)
        if (rule, allowed) not in rows
    ]
    assert missing == []
