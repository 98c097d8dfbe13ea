"""Where a request's time goes: each path served in-process (Flask's test client) a few
thousand times under cProfile, its own time summed by the package of the code that spent it.
Run inside the app's virtualenv by `python -m bench.costs`; prints µs per request."""

import cProfile
import os
import pstats
import sys
from collections import Counter
from importlib import import_module
from pathlib import PurePath

REQUESTS = int(os.environ.get("BENCH_COST_REQUESTS", "2000"))
FROM_THE_FRONT = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.23"}


def package_of(filename: str) -> str:
    parts = PurePath(filename).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].removesuffix(".py")
    if filename == "~":
        return "(C functions: I/O, hashing)"
    if filename.startswith("<") or "python3." in filename:
        return "(Python's library)"
    if filename.endswith(".html"):
        return "(the app's templates)"
    return "(the app)"


def costs(app, path: str) -> Counter:
    client = app.test_client()
    for _ in range(200):  # warm: templates compiled, caches filled
        response = client.get(path, headers=FROM_THE_FRONT)
    if response.status_code != 200:  # an error page would be measured in the page's place
        sys.exit(f"{app.name} answers {path} with {response.status_code}: nothing measured")
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(REQUESTS):
        client.get(path, headers=FROM_THE_FRONT)
        client._cookies.clear()  # every request a first visit, as wrk makes them
    profile.disable()
    spent: Counter = Counter()
    for (filename, _, _), (_, _, own, _, _) in pstats.Stats(profile).stats.items():
        spent[package_of(filename)] += own
    return Counter({name: own / REQUESTS * 1e6 for name, own in spent.items()})


# The pages the bare app serves as copies of ours (bare_app.py): path, template.
COPIED_PAGES = {"/": "index.html", "/auth/login": "login.html"}


def main(module: str, paths: list[str]) -> None:
    ours = import_module(module).create_app()
    folder = PurePath(os.environ["BARE_APP_TEMPLATES"])
    os.makedirs(folder, exist_ok=True)
    for path, name in COPIED_PAGES.items():
        with open(folder / name, "wb") as template:
            template.write(ours.test_client().get(path, headers=FROM_THE_FRONT).data)
    bare = import_module("bare_app").create_app()
    for path in paths:
        mine, base = costs(ours, path), costs(bare, path)
        print(
            f"\n{path}: µs a request under cProfile (ours {sum(mine.values()):.0f}, "
            f"bare {sum(base.values()):.0f})\n"
        )
        print("| package | ours | bare |\n| --- | ---: | ---: |")
        for name, spent in mine.most_common():
            if spent >= 5:
                print(f"| {name} | {spent:.0f} | {base.get(name, 0):.0f} |")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
