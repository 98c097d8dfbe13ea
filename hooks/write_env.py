"""Write the local .env of a freshly copied project: development settings and a new SECRET_KEY.

Runs on `copier copy` only, in the new project's folder. A setting the file already has is
never changed, so running it again (or over an existing .env) loses nothing.
"""

import secrets
from pathlib import Path

ENV_FILE = Path(".env")


def local_settings() -> dict[str, str]:
    return {
        "FLASK_CONFIG": "development",
        "FLASK_DEBUG": "1",
        "SECRET_KEY": secrets.token_urlsafe(48),
    }


def existing_names(text: str) -> set[str]:
    names = set()
    for line in text.splitlines():
        name, sep, _ = line.partition("=")
        if sep and not name.lstrip().startswith("#"):
            names.add(name.strip().removeprefix("export ").strip())
    return names


def main() -> None:
    text = ENV_FILE.read_text() if ENV_FILE.exists() else ""
    present = existing_names(text)
    missing = {k: v for k, v in local_settings().items() if k not in present}
    if not missing:
        return
    if text and not text.endswith("\n"):
        text += "\n"
    if not text:
        text = "# Local settings for development. Never commit this file.\n"
    text += "".join(f"{name}={value}\n" for name, value in missing.items())
    ENV_FILE.write_text(text)
    ENV_FILE.chmod(0o600)


if __name__ == "__main__":
    main()
