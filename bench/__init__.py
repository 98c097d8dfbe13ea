"""Benchmarks of the template and the app it renders, each against a baseline measured in
the same run: rendering against Copier's floor, start-up and throughput against a bare Flask
app, `copier update` against `copier copy`. Run `python -m bench`; docs/performance.md
explains the table."""
