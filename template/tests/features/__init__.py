"""The fixtures and settings of each feature's tests, one module a feature; conftest.py loads
those this project has."""
