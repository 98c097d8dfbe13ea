"""Password hashing (argon2id) and the password policy.

The policy follows OWASP ASVS 5.0 (V6.2): at least PASSWORD_MIN_LENGTH characters, long
passphrases accepted whole (never truncated), and no password from the shipped list of
common ones. Composition rules ("a digit and a symbol") make passwords more predictable,
not stronger, so they are off unless PASSWORD_MIN_CHARACTER_CLASSES asks for them.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

import string
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
CHARACTER_CLASSES = (string.ascii_lowercase, string.ascii_uppercase, string.digits)


def hasher() -> PasswordHasher:
    config = current_app.config
    return _hasher(
        config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"], config["ARGON2_PARALLELISM"]
    )


@lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str, password: str) -> tuple[bool, bool]:
    """(whether password matches, whether the hash should be recomputed with today's settings)."""
    ph = hasher()
    try:
        ph.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False, False
    return True, ph.check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hasher().hash("not a real password; used to spend the same time on unknown users")


def spend_verification_time(password: str) -> None:
    """Do the work of a password check for a user who does not exist, so that the time a
    sign-in takes does not tell whether an account exists."""
    verify_password(_dummy_hash(), password)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    entries = (line.strip().lower() for line in lines if not line.startswith("#"))
    return frozenset(entry for entry in entries if entry)


def character_classes(password: str) -> int:
    classes = sum(any(char in chars for char in password) for chars in CHARACTER_CLASSES)
    symbols = any(not char.isalnum() or not char.isascii() for char in password)
    return classes + symbols


def password_problems(password: str, *, username: str = "", email: str = "") -> list[str]:
    """What is wrong with password under the policy; an empty list when it is acceptable."""
    config = current_app.config
    minimum, maximum = config["PASSWORD_MIN_LENGTH"], config["PASSWORD_MAX_LENGTH"]
    problems = []
    if len(password) < minimum:
        problems.append(f"Use at least {minimum} characters (a few words in a row work well).")
    if len(password) > maximum:
        problems.append(f"Use at most {maximum} characters.")
    lowered = password.lower()
    if lowered in common_passwords():
        problems.append("This password is too common: it is among the first that attackers try.")
    personal = {value.lower() for value in (username, email, email.partition("@")[0]) if value}
    if lowered in personal:
        problems.append("Do not use your username or e-mail address as your password.")
    if len(set(password)) == 1 and password:
        problems.append("Do not repeat a single character.")
    wanted = config["PASSWORD_MIN_CHARACTER_CLASSES"]
    if wanted and character_classes(password) < wanted:
        problems.append(
            f"Mix at least {wanted} kinds of character: lowercase, uppercase, digits, symbols."
        )
    return problems
