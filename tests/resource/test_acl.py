"""The ACL evaluator on its own (spec section 9): order, deny wins, propagation, masks."""

import pytest

from featuresvc import registry, resource
from featuresvc.resource.acl import Caller, Node, Rule, evaluate

USER, GROUP, OWNER, OTHER = 10, 20, 4, 30
CALLER = Caller(id=USER, principals=frozenset({USER, GROUP}), superuser=False, is_guest=False,
                owner_principal=OWNER)
ROOT = Node(0, "resource_group", None, 1)
CHILD = Node(5, "resource_group", 0, USER)


@pytest.fixture(autouse=True)
def resource_classes():
    """Only the resource component's class (resource_group) is known."""
    with registry.using(registry.build([resource.setup])) as reg:
        yield reg


def perms(rules, parent=frozenset({"resource.read"}), chain=(ROOT, CHILD), caller=CALLER):
    return evaluate(list(chain), rules, caller, parent)


def test_allow_and_deny_wins():
    rules = {0: [Rule("allow", GROUP, scope="resource")],
             5: [Rule("deny", USER, scope="resource", permission="delete")]}
    result = perms(rules)
    assert "resource.read" in result and "resource.update" in result
    assert "resource.delete" not in result


def test_non_propagating_rule_applies_only_on_its_resource():
    rules = {0: [Rule("allow", GROUP, scope="resource", permission="read", propagate=False)]}
    assert perms(rules) == frozenset()
    assert "resource.read" in perms(rules, parent=None, chain=(ROOT,))


def test_owner_and_identity():
    rules = {0: [Rule("allow", OWNER, identity="resource_group", scope="resource")]}
    assert "resource.update" in perms(rules)
    rules = {0: [Rule("allow", OWNER, identity="vector_layer", scope="resource")]}
    assert perms(rules) == frozenset()


def test_read_mask_and_parent_mask():
    rules = {0: [Rule("allow", USER, scope="resource", permission="update")]}
    assert perms(rules) == frozenset()  # no read: nothing
    rules = {0: [Rule("allow", USER, scope="resource")]}
    assert perms(rules, parent=frozenset()) == frozenset()  # parent unreadable


def test_unrelated_principal_ignored():
    rules = {0: [Rule("allow", OTHER)]}
    assert perms(rules) == frozenset()
