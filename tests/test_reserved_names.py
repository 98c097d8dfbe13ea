"""includes/reserved_names.yml keeps package_name from shadowing anything the app imports."""

import ast
import keyword
import sys

import yaml

from .support.rendering import TEMPLATE

RESERVED = set(yaml.safe_load((TEMPLATE / "includes" / "reserved_names.yml").read_text()).split())


def test_every_keyword_and_standard_library_module_is_reserved():
    names = set(keyword.kwlist) | set(keyword.softkwlist) - {"_"}
    names |= {name for name in sys.stdlib_module_names if not name.startswith("_")}
    assert not names - RESERVED


def test_every_module_the_rendered_app_imports_is_reserved(default_project):
    imported = set()
    for path in default_project.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
    imported.discard("my_flask_app")
    assert imported, "no imports found: the scan is broken"
    assert not imported - RESERVED
