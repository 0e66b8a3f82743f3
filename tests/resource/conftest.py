"""Users shared by a test module: hashing and first checking a password costs ~0.1 s per
server worker, and a user's rights come only from ACLs on each test's fresh resources."""

import pytest

from ..principals import create_user


@pytest.fixture(scope="module")
def user(admin):
    return create_user(admin)


@pytest.fixture(scope="module")
def other(admin):
    return create_user(admin)
