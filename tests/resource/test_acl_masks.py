"""The data masks of spec section 9, on a class with a data scope.

The class is a test's own, in a registry of the test's own (the server never sees it); over
HTTP the masks are covered by a data class (vector_layer).
"""

import pytest

from featuresvc import registry, resource
from featuresvc.resource import classes
from featuresvc.resource.acl import Caller, Node, Rule, evaluate

LAYER = classes.ResourceClass(
    identity="test_acl_data_layer", label="Test data layer", scopes=("resource", "data"))
USER, OWNER = 10, 4
CALLER = Caller(id=USER, principals=frozenset({USER}), superuser=False, is_guest=False,
                owner_principal=OWNER)
ROOT = Node(0, "resource_group", None, 1)
NODE = Node(7, LAYER.identity, 0, 1)
READABLE_PARENT = frozenset({"resource.read"})


@pytest.fixture(autouse=True)
def resource_classes():
    reg = registry.build([resource.setup])
    reg.add_resource_class(LAYER)
    with registry.using(reg):
        yield reg


def perms(*rules: Rule, parent=READABLE_PARENT) -> frozenset[str]:
    return evaluate([ROOT, NODE], {7: list(rules)}, CALLER, parent)


def test_data_write_needs_data_read():
    result = perms(Rule("allow", USER, scope="resource", permission="read"),
                   Rule("allow", USER, scope="data", permission="write"))
    assert result == {"resource.read"}
    result = perms(Rule("allow", USER, scope="resource", permission="read"),
                   Rule("allow", USER, scope="data"))
    assert result == {"resource.read", "data.read", "data.write"}


def test_denied_data_read_takes_data_write():
    result = perms(Rule("allow", USER), Rule("deny", USER, scope="data", permission="read"))
    assert "data.write" not in result and "resource.update" in result


def test_everything_needs_resource_read():
    assert perms(Rule("allow", USER, scope="data")) == frozenset()
    assert perms(Rule("allow", USER), parent=frozenset()) == frozenset()


def test_superuser_has_every_class_permission():
    boss = Caller(id=1, principals=frozenset({1}), superuser=True, is_guest=False,
                  owner_principal=OWNER)
    assert evaluate([ROOT, NODE], {}, boss, frozenset()) == LAYER.permissions
