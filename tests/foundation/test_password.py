"""The generated Neo4j password is passed to neo4j-admin as an argument, so it must never look like an option."""

from riskgraph.neo4j_server import new_password


def test_generated_passwords_are_letters_and_digits_only() -> None:
    for _ in range(2000):
        password = new_password()
        assert len(password) == 32
        assert password.isascii() and password.isalnum(), password


def test_generated_passwords_differ() -> None:
    assert len({new_password() for _ in range(100)}) == 100
